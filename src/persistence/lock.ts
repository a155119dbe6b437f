import { readFile, unlink, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { StoreError } from './errors.js'

const LOCK = 'lock'
/** Databases this process holds: a second store in the same process must be refused too. */
const held = new Set<string>()

/**
 * Takes the database's lock file (it holds the owner's pid), so two emulators never write over each
 * other. A lock whose process is gone (killed, crashed) is stale and taken over.
 */
export async function acquireLock (path: string): Promise<void> {
  const file = join(path, LOCK)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // 'wx' fails if the file exists: of two emulators starting together, one creates it.
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' })
      held.add(resolve(path))
      return
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') throw new StoreError(`${path}: cannot be written (${code ?? String(error)}); choose a --db directory this user can write.`)
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10)
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner) && (owner !== process.pid || held.has(resolve(path)))) {
      throw new StoreError(`${path}: is in use by another okra-emulator (pid ${owner}); stop it or choose another --db. If pid ${owner} is not an okra-emulator, delete ${file}.`)
    }
    await unlink(file).catch(() => {})
  }
  throw new StoreError(`${path}: its lock file ${file} keeps changing; is another okra-emulator starting on it?`)
}

/** Gives the lock up, if this process still holds it. */
export async function releaseLock (path: string): Promise<void> {
  if (!held.delete(resolve(path))) return
  const file = join(path, LOCK)
  const owner = await readFile(file, 'utf8').catch(() => '')
  if (Number.parseInt(owner, 10) === process.pid) await unlink(file).catch(() => {})
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
