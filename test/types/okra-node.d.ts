// okra-node ships no types; the suite uses only this corner of it.
declare module 'okra-node' {
  export class Balance {
    constructor (apiSecret: string, env: 'production' | 'sandbox')
    apiBaseUrl: string
    get (options: Record<string, unknown>): Promise<unknown>
    check (options: Record<string, unknown>): Promise<unknown>
    refresh (options: Record<string, unknown>): Promise<unknown>
    enhanced (options: Record<string, unknown>): Promise<unknown>
  }
  export class Sandbox {
    constructor (apiSecret: string, env: 'production' | 'sandbox')
    apiBaseUrl: string
    getCustomers (options: Record<string, unknown>): Promise<unknown>
    createCustomer (options: Record<string, unknown>): Promise<unknown>
    generateCustomers (options: Record<string, unknown>): Promise<unknown>
  }
}
