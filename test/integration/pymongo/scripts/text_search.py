"""Text search as pymongo uses it: create_index with TEXT, $text with a score projection and sort, index_information."""
from pymongo import TEXT
from pymongo.errors import OperationFailure

from _common import connect, emit, error_info, uri

client = connect(uri())
coll = client.pymongo_text.stores
coll.drop()
coll.insert_many([
    {'_id': 1, 'name': 'Java Hut', 'description': 'Coffee and cakes'},
    {'_id': 2, 'name': 'Burger Buns', 'description': 'Gourmet hamburgers'},
    {'_id': 3, 'name': 'Coffee Shop', 'description': 'Just coffee'},
    {'_id': 4, 'name': 'Clothes Clothes Clothes', 'description': 'Discount clothing'},
    {'_id': 5, 'name': 'Java Shopping', 'description': 'Indonesian goods'},
])
out = {}
out['indexName'] = coll.create_index([('name', TEXT), ('description', TEXT)])
info = coll.index_information()[out['indexName']]
out['indexInfo'] = {k: info[k] for k in ('key', 'weights', 'default_language', 'language_override', 'textIndexVersion')}
out['any'] = sorted(d['_id'] for d in coll.find({'$text': {'$search': 'java coffee shop'}}))
out['phrase'] = [d['_id'] for d in coll.find({'$text': {'$search': '"coffee shop"'}})]
out['excluded'] = [d['_id'] for d in coll.find({'$text': {'$search': 'java shop -coffee'}})]
scored = coll.find({'$text': {'$search': 'java coffee shop'}}, {'score': {'$meta': 'textScore'}})
out['scored'] = [[d['_id'], d['score']] for d in scored.sort([('score', {'$meta': 'textScore'}), ('_id', 1)])]
out['count'] = coll.count_documents({'$text': {'$search': 'coffee'}})
try:
    list(client.pymongo_text.other.find({'$text': {'$search': 'x'}}))
    out['noIndex'] = None
except OperationFailure as e:
    out['noIndex'] = error_info(e)
emit(out)
