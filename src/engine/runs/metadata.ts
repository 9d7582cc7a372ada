// The engine's side of metadata: the shared operation semantics, plus what the store refuses (an increment
// JSON cannot hold, a result over the size limit).
import type { MetadataOperation } from '../../protocol/api';
import { LIMITS } from '../../protocol/api';
import type { JsonObject } from '../../shared/json';
import { MetadataOverflowError, applyMetadataOperations as apply } from '../../shared/metadata';
import { StoreRefusal } from '../store/types';

/** Applies metadata operations in order to a copy of `metadata`; refuses overflowing increments and results over 256 KB. */
export function applyMetadataOperations(metadata: JsonObject, ops: readonly MetadataOperation[]): JsonObject {
  let out: JsonObject;
  try {
    out = apply(metadata, ops);
  } catch (err) {
    if (err instanceof MetadataOverflowError) throw new StoreRefusal('metadata_overflow', err.message);
    throw err;
  }
  const size = Buffer.byteLength(JSON.stringify(out));
  if (size > LIMITS.metadataBytes) {
    throw new StoreRefusal('metadata_too_large', `metadata: ${size} bytes is over the ${LIMITS.metadataBytes}-byte limit`);
  }
  return out;
}
