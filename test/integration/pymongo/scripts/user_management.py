"""User and role management as pymongo applications send it: db.command('createUser', ...) and usersInfo.

pymongo 3.11 has no user helpers (add_user is gone), so applications run the commands themselves; pymongo puts
the command's value first and the keyword arguments after it.
"""
from _common import connect, emit, expect_failure, uri

client = connect(uri())
db = client.pymongo_users
db.command('dropAllUsersFromDatabase', 1)
db.command('dropAllRolesFromDatabase', 1)

created = db.command('createUser', 'app', pwd='app-pass', roles=['readWrite', {'role': 'read', 'db': 'reports'}],
                     customData={'owner': 'team-a'})
db.command('createUser', 'ops', pwd='ops-pass', roles=[], mechanisms=['SCRAM-SHA-256'])
db.command('createRole', 'auditor',
           privileges=[{'resource': {'db': 'pymongo_users', 'collection': 'logs'}, 'actions': ['find']}], roles=['read'])
db.command('grantRolesToUser', 'ops', roles=['auditor'])

listed = db.command('usersInfo', 1)['users']
one = db.command('usersInfo', 'app')['users'][0]
with_credentials = db.command('usersInfo', {'user': 'app', 'db': 'pymongo_users'}, showCredentials=True)['users'][0]
with_privileges = db.command('usersInfo', 'ops', showPrivileges=True)['users'][0]

emit({
    'created': created.get('ok'),
    'listed': [[u['user'], u['db'], u['mechanisms']] for u in listed],
    'oneKeys': list(one.keys()),
    'oneUserIdType': type(one['userId']).__name__,
    'oneRoles': one['roles'],
    'oneCustomData': one['customData'],
    'credentialKeys': sorted(with_credentials['credentials'].keys()),
    'sha256Fields': list(with_credentials['credentials']['SCRAM-SHA-256'].keys()),
    'passwordShown': 'app-pass' in repr(with_credentials),
    'inheritedRoles': with_privileges['inheritedRoles'],
    'inheritedPrivileges': with_privileges['inheritedPrivileges'],
    'duplicate': expect_failure(lambda: db.command('createUser', 'app', pwd='x', roles=[])),
    'unknownRole': expect_failure(lambda: db.command('createUser', 'bad', pwd='x', roles=['nope'])),
    'dropped': db.command('dropAllUsersFromDatabase', 1)['n'],
})
client.close()
