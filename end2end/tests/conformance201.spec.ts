// Conformance with an OCPP implementation not written here, for OCPP 2.0.1: npm `ocpp-rpc` as
// the station, in strictMode with `ocpp2.0.1`, validates every frame in both directions against
// the official OCPP 2.0.1 JSON schemas. Every action a station sends, and every action a CSMS
// sends (through Centrale's REST API), must pass it.
import { test, expect } from './fixtures';
import ocppRpc from 'ocpp-rpc';

const { RPCClient } = ocppRpc as { RPCClient: any };

test.use({ centraleArgs: ['--registration', 'open'] });

const now = () => new Date().toISOString();
const token = { idToken: 'RPC-TAG', type: 'ISO14443' };
const component = { name: 'OCPPCommCtrlr' };
const variable = { name: 'HeartbeatInterval' };
const hash = { hashAlgorithm: 'SHA256', issuerNameHash: 'a', issuerKeyHash: 'b', serialNumber: 'c' };
const schedule = { id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.0 }] };
const profile = { id: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: [schedule] };
const monitor = { type: 'UpperThreshold', severity: 4, component: { name: 'ChargingStation' }, variable: { name: 'Temperature' } };
const ok = { status: 'Accepted' };

/** Each CSMS action: a request Centrale is asked to send, and the station's answer. */
const CENTRAL: [string, object, object][] = [
  ['CancelReservation', { reservationId: 1 }, ok],
  ['CertificateSigned', { certificateChain: '-----BEGIN CERTIFICATE-----', certificateType: 'ChargingStationCertificate' }, ok],
  ['ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } }, { status: 'Scheduled' }],
  ['ClearCache', {}, ok],
  ['ClearChargingProfile', { chargingProfileId: 1 }, ok],
  ['ClearDisplayMessage', { id: 1 }, ok],
  ['ClearVariableMonitoring', { id: [1] }, { clearMonitoringResult: [{ status: 'Accepted', id: 1 }] }],
  ['CostUpdated', { totalCost: 1.25, transactionId: 'TX-RPC' }, {}],
  ['CustomerInformation', { requestId: 1, report: true, clear: false, idToken: token }, ok],
  ['DataTransfer', { vendorId: 'com.acme', messageId: 'ping', data: { n: 1 } }, { status: 'Accepted', data: 'pong' }],
  ['DeleteCertificate', { certificateHashData: hash }, ok],
  ['GetBaseReport', { requestId: 2, reportBase: 'FullInventory' }, ok],
  ['GetChargingProfiles', { requestId: 3, chargingProfile: { chargingProfilePurpose: 'TxDefaultProfile' } }, ok],
  ['GetCompositeSchedule', { duration: 3600, evseId: 1 }, { status: 'Accepted', schedule: { evseId: 1, duration: 3600, scheduleStart: '2026-12-01T10:00:00Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } }],
  ['GetDisplayMessages', { requestId: 4 }, { status: 'Unknown' }],
  ['GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] }, { status: 'Accepted', certificateHashDataChain: [{ certificateType: 'CSMSRootCertificate', certificateHashData: hash }] }],
  ['GetLocalListVersion', {}, { versionNumber: 3 }],
  ['GetLog', { logType: 'SecurityLog', requestId: 5, log: { remoteLocation: 'https://logs.example.com/' } }, { status: 'Accepted', filename: 'security.log' }],
  ['GetMonitoringReport', { requestId: 6 }, { status: 'EmptyResultSet' }],
  ['GetReport', { requestId: 7, componentCriteria: ['Problem'] }, ok],
  ['GetTransactionStatus', { transactionId: 'TX-RPC' }, { ongoingIndicator: true, messagesInQueue: false }],
  ['GetVariables', { getVariableData: [{ component, variable }] }, { getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '300', component, variable }] }],
  ['InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: '-----BEGIN CERTIFICATE-----' }, ok],
  ['PublishFirmware', { location: 'https://fw.example.com/f.bin', checksum: '0123456789abcdef', requestId: 8 }, ok],
  ['RequestStartTransaction', { idToken: token, remoteStartId: 9, evseId: 1, chargingProfile: { ...profile, chargingProfilePurpose: 'TxProfile' } }, { status: 'Accepted', transactionId: 'TX-RPC' }],
  ['RequestStopTransaction', { transactionId: 'TX-RPC' }, ok],
  ['ReserveNow', { id: 2, expiryDateTime: '2030-01-01T00:00:00Z', idToken: token, evseId: 1 }, ok],
  ['Reset', { type: 'OnIdle' }, { status: 'Scheduled' }],
  ['SendLocalList', { versionNumber: 4, updateType: 'Full', localAuthorizationList: [{ idToken: token, idTokenInfo: { status: 'Accepted' } }] }, ok],
  ['SetChargingProfile', { evseId: 1, chargingProfile: profile }, ok],
  ['SetDisplayMessage', { message: { id: 1, priority: 'NormalCycle', message: { format: 'UTF8', content: 'Hi' } } }, ok],
  ['SetMonitoringBase', { monitoringBase: 'All' }, ok],
  ['SetMonitoringLevel', { severity: 5 }, ok],
  ['SetNetworkProfile', { configurationSlot: 1, connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: 'wss://csms.example.com/ocpp', messageTimeout: 30, securityProfile: 2, ocppInterface: 'Wired0' } }, ok],
  ['SetVariableMonitoring', { setMonitoringData: [{ ...monitor, value: 80 }] }, { setMonitoringResult: [{ ...monitor, id: 1, status: 'Accepted' }] }],
  ['SetVariables', { setVariableData: [{ attributeValue: '60', component, variable }] }, { setVariableResult: [{ attributeStatus: 'Accepted', component, variable }] }],
  ['TriggerMessage', { requestedMessage: 'Heartbeat' }, ok],
  ['UnlockConnector', { evseId: 1, connectorId: 1 }, { status: 'Unlocked' }],
  ['UnpublishFirmware', { checksum: '0123456789abcdef' }, { status: 'Unpublished' }],
  ['UpdateFirmware', { requestId: 10, firmware: { location: 'https://fw.example.com/f.bin', retrieveDateTime: '2026-12-01T00:00:00Z' } }, ok],
];

test('ocpp-rpc in strict mode accepts every 2.0.1 exchange in both directions', async ({ centrale }) => {
  const cli = new RPCClient({
    endpoint: `${centrale.wsUrl}/ocpp`,
    identity: 'RPC-STRICT-201',
    protocols: ['ocpp2.0.1'],
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
  expect(cli.protocol).toBe('ocpp2.0.1');

  // Station -> CSMS: every action, validated both ways by ocpp-rpc.
  const boot = await cli.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ocpp-rpc', model: 'strict' } });
  expect(boot.status).toBe('Accepted');
  expect((await cli.call('Heartbeat', {})).currentTime).toMatch(/Z$/);
  await cli.call('StatusNotification', { timestamp: now(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
  expect((await cli.call('Authorize', { idToken: token })).idTokenInfo.status).toBe('Unknown');
  const meterValue = [{ timestamp: now(), sampledValue: [{ value: 1500, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];
  const started = await cli.call('TransactionEvent', {
    eventType: 'Started', timestamp: now(), triggerReason: 'Authorized', seqNo: 0,
    transactionInfo: { transactionId: 'TX-RPC', chargingState: 'Charging', remoteStartId: 9 }, idToken: token, evse: { id: 1, connectorId: 1 }, meterValue,
  });
  expect(started.idTokenInfo.status).toBe('Unknown');
  await cli.call('TransactionEvent', { eventType: 'Updated', timestamp: now(), triggerReason: 'MeterValuePeriodic', seqNo: 1, transactionInfo: { transactionId: 'TX-RPC' }, meterValue });
  await cli.call('MeterValues', { evseId: 1, meterValue });
  await cli.call('TransactionEvent', { eventType: 'Ended', timestamp: now(), triggerReason: 'StopAuthorized', seqNo: 2, transactionInfo: { transactionId: 'TX-RPC', stoppedReason: 'Local' } });
  await cli.call('NotifyReport', { requestId: 1, generatedAt: now(), seqNo: 0, tbc: false, reportData: [{ component, variable, variableAttribute: [{ value: '300', mutability: 'ReadWrite' }], variableCharacteristics: { dataType: 'integer', supportsMonitoring: true } }] });
  await cli.call('NotifyEvent', { generatedAt: now(), seqNo: 0, eventData: [{ eventId: 1, timestamp: now(), trigger: 'Alerting', actualValue: '81', eventNotificationType: 'HardWiredMonitor', component: { name: 'ChargingStation' }, variable: { name: 'Temperature' } }] });
  await cli.call('NotifyMonitoringReport', { requestId: 6, seqNo: 0, generatedAt: now(), monitor: [{ component: { name: 'ChargingStation' }, variable: { name: 'Temperature' }, variableMonitoring: [{ id: 1, transaction: false, value: 80, type: 'UpperThreshold', severity: 4 }] }] });
  await cli.call('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: now() });
  expect((await cli.call('SignCertificate', { csr: '-----BEGIN CERTIFICATE REQUEST-----' })).status).toBe('Rejected');
  await cli.call('FirmwareStatusNotification', { status: 'Installed', requestId: 10 });
  await cli.call('PublishFirmwareStatusNotification', { status: 'Published', location: ['https://lc.example.com/f.bin'], requestId: 8 });
  await cli.call('LogStatusNotification', { status: 'Uploaded', requestId: 5 });
  expect((await cli.call('DataTransfer', { vendorId: 'com.acme', messageId: 'x' })).status).toBe('UnknownVendorId');
  await cli.call('NotifyChargingLimit', { chargingLimit: { chargingLimitSource: 'EMS', isGridCritical: false }, evseId: 1 });
  await cli.call('ClearedChargingLimit', { chargingLimitSource: 'EMS', evseId: 1 });
  await cli.call('ReportChargingProfiles', { requestId: 3, chargingLimitSource: 'CSO', evseId: 1, chargingProfile: [profile], tbc: false });
  expect((await cli.call('NotifyEVChargingNeeds', { evseId: 1, chargingNeeds: { requestedEnergyTransfer: 'AC_three_phase', acChargingParameters: { energyAmount: 20000, evMinCurrent: 6, evMaxCurrent: 32, evMaxVoltage: 400 } } })).status).toBe('Rejected');
  expect((await cli.call('NotifyEVChargingSchedule', { timeBase: now(), evseId: 1, chargingSchedule: schedule })).status).toBe('Accepted');
  await cli.call('ReservationStatusUpdate', { reservationId: 2, reservationUpdateStatus: 'Expired' });
  await cli.call('NotifyDisplayMessages', { requestId: 4, messageInfo: [{ id: 1, priority: 'NormalCycle', message: { format: 'UTF8', content: 'Hi' } }] });
  await cli.call('NotifyCustomerInformation', { data: 'none', seqNo: 0, generatedAt: now(), requestId: 1 });
  const ev = await cli.call('Get15118EVCertificate', { iso15118SchemaVersion: 'urn:iso:15118:2:2013:MsgDef', action: 'Install', exiRequest: 'AA==' });
  expect(ev.status).toBe('Failed');
  expect((await cli.call('GetCertificateStatus', { ocspRequestData: { ...hash, responderURL: 'http://ocsp.example.com' } })).status).toBe('Failed');

  // CSMS -> station: every action through the REST API; ocpp-rpc validates what Centrale sends
  // and would answer a CALLERROR (a 502 here) to anything off-schema.
  for (const [action, request, answer] of CENTRAL) {
    const response = await centrale.api(`/api/stations/RPC-STRICT-201/commands/${action}`, {
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
