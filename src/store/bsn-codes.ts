/** A BSN list as bytes (4 per code, this machine's byte order: written and read by bbsim alone). */
export function bsnBytes(codes: Uint32Array): Buffer {
  return Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength);
}

export function bsnCodes(bytes: Uint8Array): Uint32Array {
  // Copied: a driver's buffer need not be 4-byte aligned.
  const out = new Uint32Array(Math.floor(bytes.byteLength / 4));
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.byteLength));
  return out;
}
