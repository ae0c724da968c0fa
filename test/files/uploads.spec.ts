import { describeUploads, localAdapter, s3rverAdapter } from './upload-behaviour';

// Redis DB 0 is this file's.
describeUploads('local', localAdapter, 0);
describeUploads('s3', s3rverAdapter, 0);
