// okra-node 0.1.17 (installed as okra-node-0.1) ships no types; the suite uses only this corner of it.
declare module 'okra-node-0.1' {
  type Callback = (error: unknown, result: unknown) => unknown
  export function refreshBalance (token: string, options: object, callback: Callback): Promise<unknown>
  export function checkBalance (token: string, options: object, callback: Callback): Promise<unknown>
  export function getRecordByMethod (token: string, options: object, callback: Callback): Promise<unknown>
}
