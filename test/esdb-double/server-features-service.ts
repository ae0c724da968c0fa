/** ServerFeatures: what the client asks first, to choose between Append and BatchAppend; it also reports the version. */
import type * as grpc from '@grpc/grpc-js';
import type { Empty } from '@eventstore/db-client/generated/shared_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import type { NodeConditions } from './node-conditions';

const STREAMS = 'event_store.client.streams.streams';

export function serverFeaturesService(conditions: NodeConditions): grpc.UntypedServiceImplementation {
  return {
    getSupportedMethods(_call: grpc.ServerUnaryCall<Empty, SupportedMethods>, callback: grpc.sendUnaryData<SupportedMethods>) {
      const methods = ['read', 'append', 'tombstone', ...(conditions.batchAppend ? ['batchappend'] : [])].map((name) => {
        const method = new SupportedMethod();
        method.setServiceName(STREAMS);
        method.setMethodName(name);
        return method;
      });
      const supported = new SupportedMethods();
      supported.setMethodsList(methods);
      supported.setEventStoreServerVersion(`${conditions.version}.0-double`);
      callback(null, supported);
    },
  };
}
