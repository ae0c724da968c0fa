import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

/** nest-cli.json is the monorepo's map (DESIGN.md): every library under libs/ must be on it, as a library. */
test('nest-cli.json lists every library, each with its entry file', () => {
  const { projects } = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8')) as { projects: Record<string, { type: string; root: string; sourceRoot: string; entryFile: string }> };
  const libraries = readdirSync(join(root, 'libs')).sort();
  const listed = Object.entries(projects).filter(([, project]) => project.type === 'library');
  expect(listed.map(([name]) => name).sort()).toEqual(libraries);
  for (const [name, project] of listed) {
    expect(project).toMatchObject({ root: `libs/${name}`, sourceRoot: `libs/${name}/src` });
    expect(readdirSync(join(root, project.sourceRoot))).toContain(`${project.entryFile}.ts`);
  }
});
