"""Access control through pymongo 3.11 against a server started with --auth: the localhost exception creates the
first user, SCRAM-SHA-256 and SCRAM-SHA-1 logins, a read-only user refused a write, a user without changeStream
refused a stream, a wrong password, and a revoked role ending an open change stream at its next getMore."""
import pymongo
from pymongo.errors import OperationFailure

from _common import connect, emit, error_info, uri

server_uri = uri()
host = server_uri.split('//', 1)[1].split('/', 1)[0]
out = {}


def as_user(user, password, mechanism=None, source='admin'):
    kwargs = {'username': user, 'password': password, 'authSource': source}
    if mechanism:
        kwargs['authMechanism'] = mechanism
    return connect('mongodb://%s/' % host, **kwargs)


anonymous = connect(server_uri)
try:
    anonymous.test.c.find_one()
except OperationFailure as e:
    out['anonymousFind'] = error_info(e)
anonymous.admin.command('createUser', 'admin', pwd='admin-pw', roles=['root'])
try:
    anonymous.admin.command('createUser', 'second', pwd='x', roles=['root'])
except OperationFailure as e:
    out['secondByException'] = error_info(e)

admin = as_user('admin', 'admin-pw')
out['adminStatus'] = admin.admin.command('connectionStatus')['authInfo']['authenticatedUsers']
admin.test.command('createUser', 'reader', pwd='reader-pw', roles=['read'])
admin.test.command('createRole', 'findOnly', privileges=[{'resource': {'db': 'test', 'collection': ''}, 'actions': ['find']}], roles=[])
admin.test.command('createUser', 'finder', pwd='finder-pw', roles=['findOnly'])
admin.test.c.insert_one({'_id': 1})

for mechanism in ('SCRAM-SHA-1', 'SCRAM-SHA-256'):
    client = as_user('reader', 'reader-pw', mechanism, 'test')
    out['reader' + mechanism] = client.test.c.find_one()
    client.close()

reader = as_user('reader', 'reader-pw', None, 'test')
try:
    reader.test.c.insert_one({'x': 1})
except OperationFailure as e:
    out['readerInsert'] = error_info(e)

finder = as_user('finder', 'finder-pw', None, 'test')
out['finderFind'] = finder.test.c.find_one()
try:
    with finder.test.c.watch(max_await_time_ms=50) as stream:
        stream.try_next()
except OperationFailure as e:
    out['finderWatch'] = error_info(e)

try:
    as_user('reader', 'wrong', None, 'test').test.c.find_one()
except OperationFailure as e:
    out['wrongPassword'] = error_info(e)

stream = reader.test.c.watch(max_await_time_ms=50)
stream.try_next()
admin.test.c.insert_one({'_id': 2})
change = None
while change is None:
    change = stream.try_next()
out['seen'] = change['documentKey']
admin.test.command('revokeRolesFromUser', 'reader', roles=['read'])
admin.test.c.insert_one({'_id': 3})
try:
    while True:
        stream.try_next()
except OperationFailure as e:
    out['afterRevoke'] = error_info(e)
out['streamAlive'] = stream.alive
emit(out)
