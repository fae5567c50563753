"""Change-stream errors as pymongo surfaces them.

- A pipeline that removes the resume token (`{'$project': {'_id': 0}}`) is accepted by watch(); the first event then
  fails the getMore with OperationFailure 280 ChangeStreamFatalError, labelled NonResumableChangeStreamError, so
  pymongo does not resume and raises it from iteration.
- An unknown stage fails watch() itself (the aggregate) with OperationFailure 40324.
- resume_after together with start_at_operation_time (pymongo sends both) fails watch() with 40674.
"""
from pymongo.errors import OperationFailure

from _common import connect, emit, error_info, expect_failure, uri

client = connect(uri())
coll = client.pymongo_errors.docs
coll.drop()
coll.insert_one({'_id': 'seed'})

project_watch = None
project_iteration = None
try:
    stream = coll.watch([{'$project': {'_id': 0}}], max_await_time_ms=100)
except OperationFailure as exc:
    project_watch = error_info(exc)
else:
    coll.insert_one({'_id': 'x'})
    try:
        for change in stream:
            project_iteration = {'type': None, 'unexpectedChange': change}
            break
    except OperationFailure as exc:
        project_iteration = error_info(exc)
    stream.close()

unknown_stage = expect_failure(lambda: coll.watch([{'$unknownStage': {}}]))

with coll.watch(max_await_time_ms=100) as stream:
    coll.insert_one({'_id': 'y'})
    token = next(stream)['_id']
optime = client.admin.command('ping')['operationTime']
token_and_time = expect_failure(lambda: coll.watch(resume_after=token, start_at_operation_time=optime))

emit({
    'projectAtWatch': project_watch,
    'projectAtIteration': project_iteration,
    'unknownStage': unknown_stage,
    'resumeAfterAndStartAtOperationTime': token_and_time,
})
client.close()
