/**
 * Numbers of the MongoDB wire protocol, as the wire-protocol reference names them
 * (https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/).
 */

/** Size of the standard message header: messageLength, requestID, responseTo, opCode (int32 little-endian each). */
export const HEADER_SIZE = 16;

/** The opcodes this server speaks, plus OP_REPLY which it only sends. */
export const OpCode = {
  OP_REPLY: 1,
  OP_QUERY: 2004,
  OP_COMPRESSED: 2012,
  OP_MSG: 2013,
} as const;

/** OP_MSG flagBits. The low 16 bits are "required": an unknown one set there is a fatal protocol error. */
export const OpMsgFlag = {
  checksumPresent: 1 << 0,
  moreToCome: 1 << 1,
  exhaustAllowed: 1 << 16,
} as const;

/** Flag bits mongod understands; any other bit in the low 16 makes the message illegal. */
export const OP_MSG_KNOWN_REQUIRED_FLAGS = OpMsgFlag.checksumPresent | OpMsgFlag.moreToCome;
export const OP_MSG_REQUIRED_FLAGS_MASK = 0xffff;

/** OP_REPLY responseFlags. */
export const OpReplyFlag = {
  cursorNotFound: 1 << 0,
  queryFailure: 1 << 1,
  awaitCapable: 1 << 3,
} as const;

/** OP_QUERY flags that matter to a command: secondaryOk (formerly slaveOk). */
export const OpQueryFlag = {
  secondaryOk: 1 << 2,
} as const;

/** mongod accepts a command document up to 16 MiB plus this much room for command overhead (BSONObjMaxInternalSize). */
export const BSON_INTERNAL_SLACK = 16 * 1024;

