import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { type ObjectStorage, S3ObjectStorage } from '@accounts/object-storage';
import type { AppConfig } from '@accounts/config';
import { APP_CONFIG, OBJECT_STORAGE } from '../infrastructure/tokens';
import { OrganizationsModule } from '../organizations/organizations.module';
import { UsersModule } from '../users/users.module';
import { AnnounceUploadHttpController } from './announce-upload/announce-upload.http';
import { ConfirmUpload } from './confirm-upload';
import { LocalFilesHttpController } from './local-files/local-files.http';
import { SetAvatarHttpController } from './set-avatar/set-avatar.http';
import { SetLogoHttpController } from './set-logo/set-logo.http';

/** Outside production, creates the S3 bucket if it is missing (a laptop's MinIO); production provisions it. */
@Injectable()
class BucketBootstrap implements OnApplicationBootstrap {
  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.production || !(this.storage instanceof S3ObjectStorage)) return;
    await this.storage.ensureBucket().catch((error: unknown) => new Logger('files').warn(`could not create the upload bucket (${error instanceof Error ? error.name : 'error'})`));
  }
}

/** Uploads of avatars and logos (../shared/API.md, Files). The store itself is an infrastructure provider. */
@Module({
  imports: [UsersModule, OrganizationsModule],
  controllers: [AnnounceUploadHttpController, SetAvatarHttpController, SetLogoHttpController, LocalFilesHttpController],
  providers: [ConfirmUpload, BucketBootstrap],
})
export class FilesModule {}
