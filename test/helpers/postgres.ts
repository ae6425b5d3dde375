/** A fresh PostgreSQL database on the machine's server (127.0.0.1:5432, user postgres, trust), dropped by `drop()`. */
import pg from 'pg'

const SERVER = 'postgres://postgres@127.0.0.1:5432'

export type TestDatabase = { name: string; url: string; drop(): Promise<void> }

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `txgate_${label}_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
  await admin(`CREATE DATABASE ${name}`)
  return { name, url: `${SERVER}/${name}`, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client(`${SERVER}/postgres`)
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}
