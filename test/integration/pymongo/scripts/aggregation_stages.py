"""The aggregation stages that read other collections or hold their input ($lookup in both forms, $unionWith,
$graphLookup, $facet, $bucket, $bucketAuto, $setWindowFields, $densify, $fill) and some of the newer expression
operators ($dateTrunc, $dateAdd, $dateDiff, $sortArray, $bitAnd, $sin on a decimal), as pymongo sends them."""
import datetime

from bson.decimal128 import Decimal128
from bson.int64 import Int64

from _common import connect, emit, expect_failure, uri

client = connect(uri())
db = client.pymongo_aggregation
for name in ('orders', 'inventory', 'numbers', 'sales', 'readings', 'gaps', 'staff', 'misc'):
    db[name].drop()

db.orders.insert_many([
    {'_id': 1, 'item': 'almonds', 'price': 12, 'quantity': 2},
    {'_id': 2, 'item': 'pecans', 'price': 20, 'quantity': 1},
    {'_id': 3, 'quantity': 3},
])
db.inventory.insert_many([
    {'_id': 1, 'sku': 'almonds', 'instock': 120},
    {'_id': 2, 'sku': 'bread', 'instock': 80},
    {'_id': 3, 'sku': 'cashews', 'instock': 60},
    {'_id': 4, 'sku': 'pecans', 'instock': 70},
    {'_id': 5, 'sku': None},
    {'_id': 6},
])
db.numbers.insert_many([{'_id': i, 'n': i} for i in range(1, 11)])
db.sales.insert_many([
    {'_id': 1, 'state': 'CA', 'q': 1},
    {'_id': 2, 'state': 'CA', 'q': 2},
    {'_id': 3, 'state': 'WA', 'q': 5},
    {'_id': 4, 'state': 'CA', 'q': 3},
])
db.readings.insert_many([{'_id': 1, 'n': 1}, {'_id': 2, 'n': 4}])
db.gaps.insert_many([{'_id': 1, 'v': 1}, {'_id': 2, 'v': None}, {'_id': 3, 'v': 5}, {'_id': 4}])
db.staff.insert_many([
    {'_id': 1, 'name': 'Dev'},
    {'_id': 2, 'name': 'Eliot', 'reportsTo': 'Dev'},
    {'_id': 3, 'name': 'Ron', 'reportsTo': 'Eliot'},
    {'_id': 4, 'name': 'Andrew', 'reportsTo': 'Eliot'},
])
db.misc.insert_one({
    '_id': 1,
    'when': datetime.datetime(2021, 3, 20, 11, 30, 5),
    'angle': Decimal128('1'),
    'flags': Int64(12),
    'team': [{'name': 'pat', 'age': 30}, {'name': 'dallas', 'age': 36}, {'name': 'charlie', 'age': 42}],
})

out = {}
out['lookup'] = [
    [d['_id'], [i['_id'] for i in d['inventory_docs']]]
    for d in db.orders.aggregate([
        {'$lookup': {'from': 'inventory', 'localField': 'item', 'foreignField': 'sku', 'as': 'inventory_docs'}},
        {'$sort': {'_id': 1}},
    ])
]
out['lookupPipeline'] = [
    [d['_id'], [i['_id'] for i in d['enough']]]
    for d in db.orders.aggregate([
        {'$lookup': {
            'from': 'inventory',
            'let': {'q': '$quantity'},
            'pipeline': [
                {'$match': {'$expr': {'$gt': ['$instock', {'$multiply': ['$$q', 50]}]}}},
                {'$sort': {'_id': 1}},
                {'$project': {'_id': 1}},
            ],
            'as': 'enough',
        }},
        {'$sort': {'_id': 1}},
    ])
]
out['facet'] = list(db.inventory.aggregate([
    {'$facet': {
        'byStock': [{'$match': {'instock': {'$gte': 70}}}, {'$count': 'n'}],
        'skus': [{'$match': {'sku': {'$type': 'string'}}}, {'$sort': {'sku': -1}}, {'$limit': 2}, {'$project': {'_id': 0, 'sku': 1}}],
    }},
]))
out['unionWith'] = list(db.orders.aggregate([
    {'$sort': {'_id': 1}},
    {'$project': {'_id': 0, 'item': 1}},
    {'$unionWith': {'coll': 'inventory', 'pipeline': [
        {'$match': {'instock': {'$lt': 75}}}, {'$sort': {'_id': 1}}, {'$project': {'_id': 0, 'item': '$sku'}},
    ]}},
]))
out['bucket'] = list(db.inventory.aggregate([
    {'$bucket': {'groupBy': '$instock', 'boundaries': [0, 75, 100, 200], 'default': 'none', 'output': {'count': {'$sum': 1}}}},
]))
out['bucketAuto'] = list(db.numbers.aggregate([{'$bucketAuto': {'groupBy': '$n', 'buckets': 2}}]))
out['setWindowFields'] = sorted(
    [[d['_id'], d['running']] for d in db.sales.aggregate([
        {'$setWindowFields': {
            'partitionBy': '$state',
            'sortBy': {'_id': 1},
            'output': {'running': {'$sum': '$q', 'window': {'documents': ['unbounded', 'current']}}},
        }},
    ])]
)
out['densify'] = [d['n'] for d in db.readings.aggregate([
    {'$densify': {'field': 'n', 'range': {'step': 1, 'bounds': 'full'}}},
    {'$sort': {'n': 1}},
])]
out['fill'] = [[d['_id'], d.get('linear'), d.get('locf')] for d in db.gaps.aggregate([
    {'$set': {'linear': '$v', 'locf': '$v'}},
    {'$fill': {'sortBy': {'_id': 1}, 'output': {'linear': {'method': 'linear'}, 'locf': {'method': 'locf'}}}},
])]
out['graphLookup'] = [
    [d['name'], sorted(h['name'] for h in d['hierarchy'])]
    for d in db.staff.aggregate([
        {'$graphLookup': {'from': 'staff', 'startWith': '$reportsTo', 'connectFromField': 'reportsTo', 'connectToField': 'name', 'as': 'hierarchy'}},
        {'$sort': {'_id': 1}},
    ])
]
operators = db.misc.aggregate([{'$project': {
    '_id': 0,
    'week': {'$dateTrunc': {'date': '$when', 'unit': 'week', 'startOfWeek': 'monday'}},
    'nextMonth': {'$dateAdd': {'startDate': datetime.datetime(2021, 1, 31), 'unit': 'month', 'amount': 1}},
    'days': {'$dateDiff': {'startDate': datetime.datetime(2021, 1, 1), 'endDate': '$when', 'unit': 'day'}},
    'byAge': {'$map': {'input': {'$sortArray': {'input': '$team', 'sortBy': {'age': -1}}}, 'in': '$$this.name'}},
    'bits': {'$bitAnd': ['$flags', 10]},
    'sine': {'$sin': '$angle'},
}}]).next()
out['operators'] = {
    'week': operators['week'].isoformat(),
    'nextMonth': operators['nextMonth'].isoformat(),
    'days': [operators['days'], type(operators['days']).__name__],
    'byAge': operators['byAge'],
    'bits': [operators['bits'], type(operators['bits']).__name__],
    'sine': str(operators['sine']),
}
out['badUnit'] = expect_failure(lambda: list(db.misc.aggregate([
    {'$project': {'d': {'$dateAdd': {'startDate': '$when', 'unit': 'fortnight', 'amount': 1}}}},
])))
emit(out)
