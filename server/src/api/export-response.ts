/** Answering with a document in an export format: a stored room's, or one of its versions'. */
import type { Context } from 'hono'
import type * as Y from 'yjs'
import { contentTypes, exportDocument, exportFormats, isExportFormat, type ExportFormat } from '../documents/formats.js'
import { ApiError } from './api-error.js'

/** The `format` query parameter, `json` when absent; 400 for one that is not an export format. */
export function exportFormatParameter(c: Context): ExportFormat {
  const format = c.req.query('format') ?? 'json'
  if (!isExportFormat(format)) throw new ApiError(400, `unknown format "${format}": use one of ${exportFormats.join(', ')}`)
  return format
}

/** `doc` in `format` as the response body; `doc` is destroyed. */
export async function exportResponse(c: Context, doc: Y.Doc, format: ExportFormat): Promise<Response> {
  let body
  try {
    body = await exportDocument(doc, format)
  } finally {
    doc.destroy()
  }
  c.header('Content-Type', contentTypes[format])
  return c.body(typeof body === 'string' ? body : new Uint8Array(body))
}
