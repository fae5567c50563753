"""Automatic resume after the stream's server cursor is killed from another client.

Phase 1: kill between two getMores -> the next getMore fails with 43 CursorNotFound, pymongo resumes with
resumeAfter=<token of the last change> and the next change still arrives, with no repeat.
Phase 2: kill while a getMore is waiting for changes -> the waiting getMore ends with 237 CursorKilled. As on mongod,
237 carries no ResumableChangeStreamError label (it is an interruption, not a retriable error), so pymongo raises it
to the application; the documented recovery (watch again with resume_after=stream.resume_token) then delivers the
change inserted after the kill, with nothing lost or repeated.
Command monitoring records every aggregate and failed getMore the watching client sent.
"""
import threading
import time

from bson.int64 import Int64
from pymongo import monitoring

from pymongo.errors import OperationFailure

from _common import connect, drain, emit, error_info, summary, uri


class Recorder(monitoring.CommandListener):
    def __init__(self):
        self.aggregates = []
        self.failed_getmores = []
        self.getmore_started = threading.Event()

    def started(self, event):
        if event.command_name == 'aggregate':
            self.aggregates.append(dict(event.command['pipeline'][0]['$changeStream']))
        elif event.command_name == 'getMore':
            self.getmore_started.set()

    def succeeded(self, event):
        pass

    def failed(self, event):
        if event.command_name == 'getMore':
            failure = event.failure
            self.failed_getmores.append({'code': failure.get('code'), 'codeName': failure.get('codeName'),
                                         'errorLabels': list(failure.get('errorLabels', []))})


server_uri = uri()
recorder = Recorder()
client = connect(server_uri, event_listeners=[recorder])
killer = connect(server_uri)
coll = client.pymongo_resume_kill.things
coll.drop()
coll.insert_one({'_id': 0})
killer_db = killer.pymongo_resume_kill


def kill(cursor_id):
    reply = killer_db.command('killCursors', coll.name, cursors=[Int64(cursor_id)])
    return {key: list(reply.get(key, [])) for key in ('cursorsKilled', 'cursorsNotFound', 'cursorsAlive')}


stream = coll.watch()
coll.insert_one({'_id': 'a'})
a = next(stream)
phase1_cursor = stream._cursor.cursor_id
phase1_kill = kill(phase1_cursor)
coll.insert_one({'_id': 'b'})
b = next(stream)
phase1_aggregates = len(recorder.aggregates)
phase1_resume_options = recorder.aggregates[-1]

# Phase 2: the main thread blocks in next() while another thread kills the cursor under the waiting getMore.
phase2_cursor = stream._cursor.cursor_id
phase2 = {}


def kill_while_waiting():
    try:
        recorder.getmore_started.wait(5)
        time.sleep(0.2)  # let the getMore reach the server and start waiting (it waits up to 1 s)
        phase2['kill'] = kill(phase2_cursor)
        other = killer.pymongo_resume_kill.things
        other.insert_one({'_id': 'c'})
    except Exception as exc:
        phase2['error'] = repr(exc)


recorder.getmore_started.clear()
thread = threading.Thread(target=kill_while_waiting)
thread.start()
phase2_error = None
try:
    next(stream)
except OperationFailure as exc:
    phase2_error = error_info(exc)
thread.join()
token_after_b = stream.resume_token
stream.close()
with coll.watch(resume_after=token_after_b, max_await_time_ms=100) as stream:
    after_b = drain(stream)

emit({
    'a': summary(a), 'b': summary(b),
    'phase1Cursor': phase1_cursor, 'phase1Kill': phase1_kill,
    'aToken': a['_id'], 'bToken': b['_id'],
    'phase1Aggregates': phase1_aggregates, 'phase1ResumeOptions': phase1_resume_options,
    'phase2Cursor': phase2_cursor, 'phase2': phase2, 'phase2Error': phase2_error,
    'tokenAfterB': token_after_b,
    'aggregates': recorder.aggregates,
    'failedGetMores': recorder.failed_getmores,
    'afterB': [summary(x) for x in after_b],
})
client.close()
killer.close()
