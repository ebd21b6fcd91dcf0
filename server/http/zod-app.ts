import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

/** A Fastify instance whose routes take zod schemas from server/contract, typed end to end. */
export const withZod = (fastify: FastifyInstance) => fastify.withTypeProvider<ZodTypeProvider>();
export type ZodApp = ReturnType<typeof withZod>;
