"""Indexes as pymongo reads them: explain() of a find, hint by name and by key list, min/max, count with a hint."""
from pymongo import ASCENDING
from pymongo.errors import OperationFailure

from _common import connect, emit, uri

client = connect(uri())
coll = client.pymongo_plans.items
coll.drop()
coll.insert_many([{'_id': i, 'sku': 'k%03d' % i, 'price': i % 50} for i in range(200)])
coll.insert_many([{'_id': 1000 + i, 'sku': 'n%d' % i, 'note': 'no price'} for i in range(5)])
coll.create_index([('sku', ASCENDING)], unique=True)
coll.create_index([('price', ASCENDING)], sparse=True)
out = {}


def stages(plan):
    names = []
    while plan:
        names.append(plan['stage'])
        plan = plan.get('inputStage')
    return names


explained = coll.find({'sku': 'k042'}).explain()
out['findStages'] = stages(explained['queryPlanner']['winningPlan'])
out['indexName'] = explained['queryPlanner']['winningPlan']['inputStage']['indexName']
out['examined'] = [explained['executionStats']['nReturned'], explained['executionStats']['totalDocsExamined']]
out['hintByName'] = [d['_id'] for d in coll.find({'sku': {'$gte': 'k195', '$lt': 'l'}}).hint('sku_1')]
out['hintByKeys'] = stages(coll.find({'price': 3}).hint([('price', ASCENDING)]).explain()['queryPlanner']['winningPlan'])
out['minMax'] = sorted({d['price'] for d in coll.find().hint([('price', ASCENDING)]).min([('price', 10)]).max([('price', 12)])})
out['countHintSparse'] = coll.count_documents({}, hint='price_1')
out['countAll'] = coll.count_documents({})
try:
    list(coll.find({'sku': 'k001'}).hint('missing_1'))
    out['badHint'] = None
except OperationFailure as e:
    out['badHint'] = {'code': e.code, 'codeName': e.details.get('codeName')}
emit(out)
