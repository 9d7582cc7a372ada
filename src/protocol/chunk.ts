import * as z from 'zod/mini';
import './zod-locale';
import { BINARY_MARKER } from '../shared/streams';

/**
 * A stream chunk travels as JSON text. Strings and JSON values are themselves; binary data
 * (Uint8Array, ArrayBuffer, Buffer) is base64 with a marker so it comes back out as bytes.
 */
export const BinaryChunk = z.object({ [BINARY_MARKER]: z.string() });

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function isBinary(value: unknown): value is Uint8Array | ArrayBuffer {
  return value instanceof Uint8Array || value instanceof ArrayBuffer;
}

/** Encode one chunk value as the JSON text stored and sent on the wire. */
export function encodeChunk(value: unknown): string {
  if (value instanceof ArrayBuffer) return JSON.stringify({ [BINARY_MARKER]: toBase64(new Uint8Array(value)) });
  if (value instanceof Uint8Array) return JSON.stringify({ [BINARY_MARKER]: toBase64(value) });
  if (value === undefined) return 'null';
  return JSON.stringify(value);
}

/** Decode the wire text of one chunk; binary comes back as Uint8Array. */
export function decodeChunk(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === BINARY_MARKER) {
      const b64 = (value as Record<string, unknown>)[BINARY_MARKER];
      if (typeof b64 === 'string') return fromBase64(b64);
    }
  }
  return value;
}

/** A stored chunk as the store and feeds hand it around: idx within (run, key) and its wire text. */
export interface StoredChunk {
  idx: number;
  body: string;
}
