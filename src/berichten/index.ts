export * from './codes.ts';
export * from './types.ts';
export * from './parse-xml.ts';
export * from './parse-json.ts';
export * from './validate.ts';
export * from './render.ts';
export * from './generate.ts';
export * from './technisch-probleem.ts';
