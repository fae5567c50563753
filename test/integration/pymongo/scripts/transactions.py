"""Transactions through pymongo 3.11: start_transaction as a context manager, with_transaction, and an abort."""
from pymongo.errors import OperationFailure

from _common import connect, emit, uri

client = connect(uri())
coll = client.pymongo_txn.accounts
coll.drop()
coll.insert_many([{'_id': 'a', 'balance': 100}, {'_id': 'b', 'balance': 0}])
other = connect(uri()).pymongo_txn.accounts
out = {}

with client.start_session() as session:
    with session.start_transaction():
        coll.update_one({'_id': 'a'}, {'$inc': {'balance': -30}}, session=session)
        coll.update_one({'_id': 'b'}, {'$inc': {'balance': 30}}, session=session)
        out['insideOwn'] = [d['balance'] for d in coll.find({}, session=session).sort('_id', 1)]
        out['insideOther'] = [d['balance'] for d in other.find({}).sort('_id', 1)]
out['afterCommit'] = [d['balance'] for d in other.find({}).sort('_id', 1)]


def move_ten(session):
    coll.update_one({'_id': 'a'}, {'$inc': {'balance': -10}}, session=session)
    coll.update_one({'_id': 'b'}, {'$inc': {'balance': 10}}, session=session)


with client.start_session() as session:
    session.with_transaction(move_ten)
out['afterWithTransaction'] = [d['balance'] for d in other.find({}).sort('_id', 1)]

with client.start_session() as session:
    session.start_transaction()
    coll.insert_one({'_id': 'c', 'balance': 5}, session=session)
    session.abort_transaction()
out['afterAbort'] = sorted(d['_id'] for d in other.find({}))

try:
    with client.start_session() as session:
        with session.start_transaction():
            client.pymongo_txn.command('count', 'accounts', session=session)
except OperationFailure as err:
    out['countInTransaction'] = {'code': err.code, 'codeName': err.details.get('codeName')}

emit(out)
client.close()
