/** The database file cannot be used; the message is the one line shown, and the file is left as it was. */
export class StoreError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'StoreError'
  }
}
