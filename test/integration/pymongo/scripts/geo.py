"""Geospatial queries as pymongo sends them: GEOSPHERE and GEO2D indexes, $near, $geoWithin, $geoNear, errors."""
from pymongo import GEO2D, GEOSPHERE
from pymongo.errors import OperationFailure, WriteError

from _common import connect, emit, uri

client = connect(uri())
db = client.pymongo_geo
places = db.places
places.drop()
places.insert_many([
    {'_id': 1, 'name': 'Central Park', 'location': {'type': 'Point', 'coordinates': [-73.97, 40.77]}, 'category': 'Parks'},
    {'_id': 2, 'name': 'Sara D. Roosevelt Park', 'location': {'type': 'Point', 'coordinates': [-73.9928, 40.7193]}, 'category': 'Parks'},
    {'_id': 3, 'name': 'Polo Grounds', 'location': {'type': 'Point', 'coordinates': [-73.9375, 40.8303]}, 'category': 'Stadiums'},
])
out = {}
out['indexName'] = places.create_index([('location', GEOSPHERE)])
out['indexInfo'] = places.index_information()['location_2dsphere']
point = {'type': 'Point', 'coordinates': [-73.9667, 40.78]}
out['near'] = [d['name'] for d in places.find({'location': {'$near': {'$geometry': point, '$minDistance': 1000, '$maxDistance': 5000}}})]
out['nearSphere'] = [d['name'] for d in places.find({'location': {'$nearSphere': {'$geometry': point}}})]
square = {'type': 'Polygon', 'coordinates': [[[-74, 40.7], [-73.9, 40.7], [-73.9, 40.8], [-74, 40.8], [-74, 40.7]]]}
out['within'] = sorted(d['_id'] for d in places.find({'location': {'$geoWithin': {'$geometry': square}}}))
out['geoNear'] = [(d['name'], round(d['dist'], 3)) for d in places.aggregate([
    {'$geoNear': {'near': point, 'distanceField': 'dist', 'query': {'category': 'Parks'}}},
])]
try:
    places.insert_one({'location': {'type': 'Point', 'coordinates': [200, 0]}})
    out['badInsert'] = None
except WriteError as e:
    out['badInsert'] = e.code
flat = db.flat
flat.drop()
flat.insert_many([{'_id': i, 'p': [i, i]} for i in range(10)])
out['flatIndex'] = flat.create_index([('p', GEO2D)])
out['flatNear'] = [d['_id'] for d in flat.find({'p': {'$near': [4.2, 4.2]}}).limit(3)]
out['box'] = sorted(d['_id'] for d in flat.find({'p': {'$geoWithin': {'$box': [[2, 2], [5, 5]]}}}))
db.noindex.drop()
db.noindex.insert_one({'p': [1, 1]})
try:
    list(db.noindex.find({'p': {'$near': [0, 0]}}))
    out['noIndex'] = None
except OperationFailure as e:
    out['noIndex'] = {'code': e.code, 'codeName': e.details.get('codeName')}
emit(out)
