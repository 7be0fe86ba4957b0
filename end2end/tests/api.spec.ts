import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { test, expect, RawStation, waitForHydration, watchConsole } from './fixtures';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

test.use({ centraleArgs: ['--registration', 'open'] });

test('the API description passes an independent OpenAPI 3.1 validator', async ({ centrale }) => {
  const answer = await centrale.api('/api/openapi.json');
  expect(answer.status).toBe(200);
  const document = await answer.json();
  expect(document.openapi).toBe('3.1.0');
  // @apidevtools/swagger-parser: the document against the OpenAPI 3.1 schema, every $ref
  // resolved, operation ids unique, path parameters declared. It throws on the first fault.
  const validated = await SwaggerParser.validate(structuredClone(document));
  expect(Object.keys(validated.paths ?? {}).length).toBe(Object.keys(document.paths).length);
  // Without credentials, the description is not served (like every route of the API).
  const anonymous = await fetch(centrale.url + '/api/openapi.json');
  expect(anonymous.status).toBe(401);
});

test('the API page shows every operation from the description, its parameters and schemas', async ({ page, centrale }) => {
  const errors = watchConsole(page);
  const document = await (await centrale.api('/api/openapi.json')).json();
  const operations = Object.values(document.paths as Record<string, Record<string, unknown>>)
    .flatMap((item) => Object.keys(item).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)));
  const station = await RawStation.connect(centrale, 'API-CP');
  await station.call('b1', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Pillar' });

  // One click from the menu.
  await page.goto(centrale.url + '/');
  await waitForHydration(page);
  await page.getByRole('link', { name: 'API', exact: true }).click();
  await expect(page).toHaveURL(/\/api-reference$/);
  await expect(page.locator('details.api-op')).toHaveCount(operations.length);
  await expect(page.getByTestId('api-tag-Commands')).toContainText('/api/stations/{id}/commands/RequestStartTransaction');

  // Filtered down to the transactions, one opened: its parameters, answers and the schema of
  // what it answers, as the description says them.
  await page.getByTestId('api-filter').fill('/api/transactions');
  await expect(page.locator('details.api-op:visible')).toHaveCount(4);
  const list = page.getByTestId('op-get-/api/transactions');
  await list.locator('summary').click();
  await expect(list.locator('table').first()).toContainText('station');
  await expect(list.locator('table').first()).toContainText('Started at or after');
  await expect(list.getByTestId('status-200')).toContainText('A page of transactions');
  await expect(list.getByTestId('status-400')).toContainText('ErrorBody');
  await expect(list).toContainText('stopReason');

  // A command: its request is one of the two versions' official schemas; a link opens one.
  await page.getByTestId('api-filter').fill('commands/Reset');
  const reset = page.getByTestId('op-post-/api/stations/{id}/commands/Reset');
  await reset.locator('summary').click();
  await expect(reset).toContainText('Ocpp16.Reset.request');
  await expect(reset).toContainText('Ocpp201.Reset.request');
  await expect(reset).toContainText('one of Hard, Soft');
  await reset.getByRole('link', { name: 'Ocpp201.Reset.request' }).first().click();
  const schema = page.getByTestId('schema-Ocpp201.Reset.request');
  await expect(schema).toHaveAttribute('open', '');
  await expect(schema).toContainText('evseId');
  await expect(schema).toContainText('Ocpp201.ResetEnumType');

  await page.getByTestId('api-filter').fill('');
  await page.getByTestId('op-get-/api/stations').locator('summary').click();
  await page.evaluate(() => window.scrollTo(0, 0));
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, 'api-reference.png') });
  expect(errors).toEqual([]);
  station.close();
});
