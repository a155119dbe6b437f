/** Okra's success envelope; every successful answer goes through here. */
export function ok<T> (message: string, data: T): { status: 'success', message: string, data: T } {
  return { status: 'success', message, data }
}

/** Okra's messages, spelling included (okra-api.md §2, D20). */
export const MESSAGES = {
  balanceRetrieved: 'Balance retrieved succesfully',
  balancesRetrieved: 'Balances successfully retrieved',
} as const
