import type { ImagePart } from '../../ir/request.ts';

const DATA_URL = /^data:([^;,]+)((?:;[^;,]+)*);base64,(.*)$/s;

/** An image URL a client sent (a base64 data: URL or an http(s) URL) as an IR image, or undefined when it is neither. */
export function imageFromUrl(url: string): ImagePart | undefined {
  const data = DATA_URL.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', mediaType: data[1]!, data: data[3]! } };
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  return undefined;
}
