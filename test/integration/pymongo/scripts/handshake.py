"""What pymongo 3.11 and its own test harness read from the server before anything else.

The handshake (an OP_QUERY isMaster, then OP_MSG) must make the server a replica-set primary; getCmdLineOpts must
report enableTestCommands the way pymongo 3.11's client_context reads it; a failCommand fail point must work.
"""
from pymongo.errors import OperationFailure

from _common import connect, emit, error_info, uri

server_uri = uri()
client = connect(server_uri, appName='pymongo-handshake')
out = {}

out['ping'] = client.admin.command('ping')['ok']
description = client._topology.description
out['topologyType'] = description.topology_type_name
out['replicaSetName'] = description.replica_set_name
out['primary'] = list(client.primary) if client.primary else None
out['address'] = list(client.address) if client.address else None
out['isPrimary'] = client.is_primary

is_master = client.admin.command('isMaster')
out['isMaster'] = {key: is_master.get(key) for key in (
    'ismaster', 'secondary', 'setName', 'hosts', 'primary', 'me', 'minWireVersion', 'maxWireVersion',
    'logicalSessionTimeoutMinutes', 'maxBsonObjectSize', 'maxMessageSizeBytes', 'maxWriteBatchSize')}
out['isMasterHasTopologyVersion'] = 'topologyVersion' in is_master
out['isMasterTypes'] = {key: type(is_master.get(key)).__name__ for key in ('localTime', 'connectionId', 'electionId',
                                                                             'operationTime')}
info = client.server_info()
out['version'] = info.get('version')
out['versionArray'] = info.get('versionArray')

opts = client.admin.command('getCmdLineOpts')
# pymongo 3.11's test/__init__.py: test commands are on if argv has "enableTestCommands=1" or
# parsed.setParameter.enableTestCommands == "1".
out['cmdLineTestCommands'] = ('enableTestCommands=1' in opts['argv']
                              or opts.get('parsed', {}).get('setParameter', {}).get('enableTestCommands') == '1')
out['parsedSetParameter'] = opts.get('parsed', {}).get('setParameter')
out['hasSecurity'] = 'security' in opts.get('parsed', {})
out['storageEngine'] = client.admin.command('serverStatus').get('storageEngine', {}).get('name')
out['getParameterTestCommands'] = client.admin.command('getParameter', '*').get('enableTestCommands')

# failCommand on find, once, then everything works again.
coll = client.pymongo_handshake.docs
coll.drop()
coll.insert_one({'_id': 1})
client.admin.command('configureFailPoint', 'failCommand', mode={'times': 1},
                     data={'failCommands': ['find'], 'errorCode': 2, 'appName': 'pymongo-handshake'})
try:
    coll.find_one({})
    out['failPoint'] = None
except OperationFailure as exc:
    out['failPoint'] = error_info(exc)
out['afterFailPoint'] = coll.find_one({})
client.admin.command('configureFailPoint', 'failCommand', mode='off')

emit(out)
client.close()
