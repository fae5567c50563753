# The README's pymongo example, verbatim but for where the URI comes from.
import sys

from pymongo import MongoClient

client = MongoClient(sys.argv[1] if len(sys.argv) > 1 else 'mongodb://127.0.0.1:27017/?replicaSet=rs0')
orders = client.shop.orders

with orders.watch() as stream:
    orders.insert_one({'_id': 1, 'status': 'new'})
    for change in stream:
        print(change['operationType'], change['fullDocument'])
        break
    orders.update_one({'_id': 1}, {'$set': {'status': 'paid'}})
    while stream.alive:
        change = stream.try_next()
        print('resume token', stream.resume_token)
        if change is not None:
            print(change['operationType'], change['updateDescription']['updatedFields'])
            break
