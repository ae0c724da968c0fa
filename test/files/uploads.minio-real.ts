import { describeUploads, realS3Adapter } from './upload-behaviour';

// `npm run test:minio` with S3_ENDPOINT (and S3_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY) pointing at a real MinIO.
if (process.env.S3_ENDPOINT) describeUploads('s3', realS3Adapter, 0);
else describe.skip('real MinIO (S3_ENDPOINT not set)', () => test('needs S3_ENDPOINT', () => undefined));
