import { Module } from '@nestjs/common';
import { AnnounceUploadHttpController } from './announce-upload/announce-upload.http';
import { ConfirmUpload } from './confirm-upload';
import { LocalFilesHttpController } from './local-files/local-files.http';
import { SetAvatarHttpController } from './set-avatar/set-avatar.http';
import { SetLogoHttpController } from './set-logo/set-logo.http';

/** Uploads of avatars and logos (../shared/API.md, Files). The store itself is an infrastructure provider. */
@Module({
  controllers: [AnnounceUploadHttpController, SetAvatarHttpController, SetLogoHttpController, LocalFilesHttpController],
  providers: [ConfirmUpload],
})
export class FilesModule {}
