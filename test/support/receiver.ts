import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'

export interface Received {
  headers: IncomingHttpHeaders
  /** The body exactly as sent, for a signature check. */
  text: string
  body: any
}

/** A webhook receiver on 127.0.0.1 and a free port that answers with the next scripted status (then 200). */
export class Receiver {
  readonly received: Received[] = []
  private readonly script: number[] = []
  private readonly server: Server = createServer((req, res) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { text += chunk })
    req.on('end', () => {
      this.received.push({ headers: req.headers, text, body: JSON.parse(text) })
      res.writeHead(this.script.shift() ?? 200).end()
    })
  })

  url = ''

  static async start (): Promise<Receiver> {
    const receiver = new Receiver()
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve))
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as { port: number }).port}/okra-hook`
    return receiver
  }

  answerNext (...statuses: number[]): void { this.script.push(...statuses) }
  /** The delivery id each request carried, in the order received. */
  get ids (): string[] { return this.received.map((r) => r.headers['x-okra-emulator-delivery'] as string) }
  close (): Promise<void> { return new Promise((resolve) => this.server.close(() => resolve())) }
}
