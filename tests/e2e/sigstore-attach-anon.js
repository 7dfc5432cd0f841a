// sigstore-attach-anon.js: shared/tools/sigstore-attach.js for a registry
// without authentication.
//
//   NODE_PATH=<dir>/node_modules node sigstore-attach-anon.js REGISTRY/REPO DIGEST [artifactType] [tag]
//
// Why a copy: @sigstore/oci 0.7.2 signs in whenever a `credentials` object is
// passed (the shared tool always passes one). Its sign-in POSTs
// /v2/REPO/blobs/uploads/ and treats anything but 200 as a challenge; an
// anonymous registry answers 202 without WWW-Authenticate, as the spec says,
// and the client gives up with "Invalid challenge: ". Leaving `credentials`
// out skips the sign-in. Everything else (artifact, annotations, calls) is the
// same as in the shared tool.
const { attachArtifactToImage, getImageDigest } = require('@sigstore/oci');

const [imageName, imageDigest, mt, tag] = process.argv.slice(2);
if (!imageName || !imageDigest) {
  console.error('usage: node sigstore-attach-anon.js REGISTRY/REPO DIGEST [artifactType] [tag]');
  process.exit(2);
}
(async () => {
  if (tag) {
    console.log('getImageDigest', tag, '->', await getImageDigest({ imageName, imageTag: tag }));
  }
  const desc = await attachArtifactToImage({
    imageName,
    imageDigest,
    artifact: Buffer.from(JSON.stringify({ hello: 'attestation' })),
    mediaType: mt || 'application/vnd.dev.sigstore.bundle.v0.3+json',
    annotations: { 'org.example.by': 'sigstore-oci' },
  });
  console.log(JSON.stringify(desc));
})().catch((e) => {
  console.error('FAILED', e.message, e.cause && e.cause.message);
  process.exit(1);
});
