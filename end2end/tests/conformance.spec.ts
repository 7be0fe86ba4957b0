// Conformance with an OCPP implementation not written here: npm `ocpp-rpc` as the station, in
// strictMode, validates every frame in both directions against the official OCPP 1.6 JSON
// schemas. Every action a station sends, and every action a central system sends (through
// Centrale's REST API), must pass it.
import { test, expect } from './fixtures';
import ocppRpc from 'ocpp-rpc';

const { RPCClient } = ocppRpc as { RPCClient: any };

test.use({ centraleArgs: ['--registration', 'open'] });

const hash = { hashAlgorithm: 'SHA256', issuerNameHash: 'a', issuerKeyHash: 'b', serialNumber: 'c' };
const profile = {
  chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
  chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.0 }] },
};

/** Each central-system action: a request Centrale is asked to send, and the station's answer. */
const CENTRAL: [string, object, object][] = [
  ['CancelReservation', { reservationId: 1 }, { status: 'Accepted' }],
  ['CertificateSigned', { certificateChain: '-----BEGIN CERTIFICATE-----' }, { status: 'Accepted' }],
  ['ChangeAvailability', { connectorId: 1, type: 'Inoperative' }, { status: 'Scheduled' }],
  ['ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '60' }, { status: 'Accepted' }],
  ['ClearCache', {}, { status: 'Accepted' }],
  ['ClearChargingProfile', { id: 1 }, { status: 'Accepted' }],
  ['DataTransfer', { vendorId: 'com.acme', messageId: 'ping', data: '1' }, { status: 'Accepted', data: 'pong' }],
  ['DeleteCertificate', { certificateHashData: hash }, { status: 'Accepted' }],
  ['ExtendedTriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 1 }, { status: 'Accepted' }],
  ['GetCompositeSchedule', { connectorId: 1, duration: 3600, chargingRateUnit: 'W' }, {
    status: 'Accepted', connectorId: 1, scheduleStart: '2026-11-24T10:00:00Z',
    chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] },
  }],
  ['GetConfiguration', {}, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: [] }],
  ['GetDiagnostics', { location: 'ftp://logs.example.com/', retries: 2 }, { fileName: 'diag.zip' }],
  ['GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' }, { status: 'Accepted', certificateHashData: [hash] }],
  ['GetLocalListVersion', {}, { listVersion: 3 }],
  ['GetLog', { logType: 'SecurityLog', requestId: 1, log: { remoteLocation: 'https://logs.example.com/' } }, { status: 'Accepted', filename: 'security.log' }],
  ['InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: '-----BEGIN CERTIFICATE-----' }, { status: 'Accepted' }],
  ['RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE', chargingProfile: { ...profile, chargingProfilePurpose: 'TxProfile' } }, { status: 'Accepted' }],
  ['RemoteStopTransaction', { transactionId: 1 }, { status: 'Accepted' }],
  ['ReserveNow', { connectorId: 1, expiryDate: '2026-12-01T00:00:00Z', idTag: 'R', reservationId: 2 }, { status: 'Accepted' }],
  ['Reset', { type: 'Soft' }, { status: 'Accepted' }],
  ['SendLocalList', { listVersion: 4, updateType: 'Full', localAuthorizationList: [{ idTag: 'L1', idTagInfo: { status: 'Accepted' } }] }, { status: 'Accepted' }],
  ['SetChargingProfile', { connectorId: 1, csChargingProfiles: profile }, { status: 'Accepted' }],
  ['SignedUpdateFirmware', { requestId: 1, firmware: { location: 'https://fw.example.com/f.bin', retrieveDateTime: '2026-12-01T00:00:00Z', signingCertificate: 'C', signature: 'S' } }, { status: 'Accepted' }],
  ['TriggerMessage', { requestedMessage: 'Heartbeat' }, { status: 'Accepted' }],
  ['UnlockConnector', { connectorId: 1 }, { status: 'Unlocked' }],
  ['UpdateFirmware', { location: 'https://fw.example.com/f.bin', retrieveDate: '2026-12-01T00:00:00Z' }, {}],
];

test('ocpp-rpc in strict mode accepts every 1.6 exchange in both directions', async ({ centrale }) => {
  const cli = new RPCClient({
    endpoint: `${centrale.wsUrl}/ocpp`,
    identity: 'RPC-STRICT',
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
  });
  const received: Record<string, unknown> = {};
  for (const [action, , answer] of CENTRAL) {
    cli.handle(action, ({ params }: { params: unknown }) => {
      received[action] = params;
      return answer;
    });
  }
  await cli.connect();

  // Station -> central system: every action, validated both ways by ocpp-rpc.
  const boot = await cli.call('BootNotification', { chargePointVendor: 'ocpp-rpc', chargePointModel: 'strict', firmwareVersion: '2.2.1' });
  expect(boot.status).toBe('Accepted');
  expect((await cli.call('Heartbeat', {})).currentTime).toMatch(/Z$/);
  await cli.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing', timestamp: new Date().toISOString() });
  expect((await cli.call('Authorize', { idTag: 'NOBODY' })).idTagInfo.status).toBe('Invalid');
  const start = await cli.call('StartTransaction', { connectorId: 1, idTag: 'NOBODY', meterStart: 0, timestamp: new Date().toISOString() });
  expect(typeof start.transactionId).toBe('number');
  await cli.call('MeterValues', {
    connectorId: 1, transactionId: start.transactionId,
    meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
  });
  await cli.call('StopTransaction', { transactionId: start.transactionId, meterStop: 1500, timestamp: new Date().toISOString(), idTag: 'NOBODY', reason: 'Local' });
  expect((await cli.call('DataTransfer', { vendorId: 'com.acme', messageId: 'x' })).status).toBe('UnknownVendorId');
  await cli.call('DiagnosticsStatusNotification', { status: 'Uploaded' });
  await cli.call('FirmwareStatusNotification', { status: 'Installed' });
  await cli.call('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: new Date().toISOString() });
  expect((await cli.call('SignCertificate', { csr: '-----BEGIN CERTIFICATE REQUEST-----' })).status).toBe('Rejected');
  await cli.call('SignedFirmwareStatusNotification', { status: 'SignatureVerified', requestId: 1 });
  await cli.call('LogStatusNotification', { status: 'Uploaded', requestId: 1 });

  // Central system -> station: every action through the REST API; ocpp-rpc validates what
  // Centrale sends and would answer a CALLERROR (a 502 here) to anything off-schema.
  for (const [action, request, answer] of CENTRAL) {
    const response = await centrale.api(`/api/stations/RPC-STRICT/commands/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = await response.json();
    expect(response.status, `${action}: ${JSON.stringify(body)}`).toBe(200);
    expect(body, action).toEqual(answer);
    expect(received[action], action).toEqual(request);
  }
  await cli.close();
});
