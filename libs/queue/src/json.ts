/** A value that survives JSON.stringify/JSON.parse unchanged: what BullMQ stores for job data. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}
