"""Helpers shared by the pymongo integration scripts.

Plain Python 3 + pymongo 3.11 (Debian's python3-pymongo); nothing else. Every script takes the server URI as
argv[1], does its work, and prints ONE JSON line (relaxed Extended JSON) with its observations as the LAST line of
stdout; on failure it exits non-zero with a traceback on stderr. The Node test (pymongo.test.ts) asserts on the JSON.
"""
import faulthandler
import sys
import time

import pymongo
from bson import json_util
from pymongo.errors import OperationFailure

# A hung script dumps every thread's stack to stderr and exits non-zero well before the Node test's own kill, so a
# failure report shows where pymongo was waiting.
WATCHDOG_SECONDS = 12


def uri():
    """Arms the watchdog and returns the server URI from argv[1]."""
    faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
    if len(sys.argv) < 2:
        sys.exit('usage: %s <mongodb uri>' % sys.argv[0])
    return sys.argv[1]


def connect(server_uri, **kwargs):
    """A MongoClient that gives up server selection after 5 s instead of pymongo's 30 s."""
    kwargs.setdefault('serverSelectionTimeoutMS', 5000)
    return pymongo.MongoClient(server_uri, **kwargs)


def emit(observations):
    """Prints the observations as the final stdout line (relaxed Extended JSON: ObjectId -> {"$oid": ...})."""
    observations = dict(observations)
    observations['pymongoVersion'] = pymongo.version
    sys.stdout.write(json_util.dumps(observations, json_options=json_util.RELAXED_JSON_OPTIONS) + '\n')
    sys.stdout.flush()


def error_info(exc):
    """What a test asserts about an OperationFailure: class, code, codeName, errmsg and error labels."""
    details = getattr(exc, 'details', None) or {}
    return {
        'type': type(exc).__name__,
        'code': getattr(exc, 'code', None),
        'codeName': details.get('codeName'),
        'errmsg': details.get('errmsg', str(exc)),
        'errorLabels': list(details.get('errorLabels', [])),
    }


def expect_failure(fn):
    """Runs fn; returns error_info of the OperationFailure it raises, or {'type': None, 'result': ...} if none."""
    try:
        result = fn()
    except OperationFailure as exc:
        return error_info(exc)
    return {'type': None, 'result': repr(result)}


def next_change(stream, timeout=5.0):
    """The next change via try_next, or None after `timeout` seconds (so a missing event fails instead of hanging)."""
    deadline = time.monotonic() + timeout
    while stream.alive and time.monotonic() < deadline:
        change = stream.try_next()
        if change is not None:
            return change
    return None


def drain(stream, idle_polls=2):
    """Changes still pending: polls with try_next until `idle_polls` consecutive polls return nothing."""
    changes = []
    idle = 0
    while stream.alive and idle < idle_polls:
        change = stream.try_next()
        if change is None:
            idle += 1
        else:
            idle = 0
            changes.append(change)
    return changes


def summary(change):
    """The event fields the tests compare, without the opaque token and times (their presence is recorded)."""
    out = {
        'operationType': change.get('operationType'),
        'keys': sorted(change.keys()),
        'tokenIsDocument': isinstance(change.get('_id'), dict),
        'clusterTimeType': type(change.get('clusterTime')).__name__,
    }
    for key in ('ns', 'documentKey', 'fullDocument', 'updateDescription', 'to'):
        if key in change:
            out[key] = change[key]
    return out
