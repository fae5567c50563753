"""pymongo over TLS: the URI carries tls=true, the CA file and a client certificate; a ping and a round trip."""
from _common import connect, emit, uri

server_uri = uri()
client = connect(server_uri)
out = {}
out['ping'] = client.admin.command('ping')['ok']
items = client.app.tls_items
items.delete_many({})
items.insert_one({'_id': 1, 'over': 'tls'})
out['found'] = items.find_one({'_id': 1})
emit(out)
