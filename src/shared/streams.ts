// Names every process gives the same streams and chunk encodings.

/** The reserved stream a run's log lines are written to. */
export const LOG_STREAM_KEY = '$logs';

/** A binary chunk travels as `{ [BINARY_MARKER]: "<base64>" }`. */
export const BINARY_MARKER = '$runlight.binary';
