/** The delivery scenarios kafkajs runs against a real broker, here through the REST bridge double. */
import { createKafkaRestPublisher } from '../../src/publish/kafka-rest.ts'
import { startKafkaRestDouble } from '../helpers/kafka-rest-double.ts'
import { publisherScenarios, type Transport } from '../helpers/publisher-scenarios.ts'

for (const api of ['v3', 'v2'] as const) {
  publisherScenarios(`Kafka REST ${api} (local bridge double)`, async (): Promise<Transport> => {
    const double = await startKafkaRestDouble()
    const publisher = (url: string) =>
      createKafkaRestPublisher({ url, api, clusterId: double.clusterId, fetch, timeoutMs: 2000 })
    return {
      carriesHeaders: api === 'v3',
      reachable: () => publisher(double.url),
      unreachable: () => publisher('http://127.0.0.1:1'),
      async topic(name) {
        double.createTopic(name)
        return name
      },
      async read(topic, count) {
        const until = Date.now() + 15_000
        while (double.records(topic).length < count && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 20))
        }
        // v2's JSON embedded format stores the key as a JSON string: a v2 consumer parses it.
        return double.records(topic).map((r) => ({
          partition: r.partition,
          key: api === 'v2' && r.key !== null ? (JSON.parse(r.key) as string) : r.key,
          headers: r.headers,
          value: r.value,
        }))
      },
      close: () => double.close(),
    }
  })
}
