import { MetadataTemplates } from './template-engine';

describe('MetadataTemplates (the sandbox)', () => {
  const templates = new MetadataTemplates({ maxTemplateLength: 2000, maxOutputLength: 5000, renderTimeMs: 200, memory: 1_000_000 });

  it('renders variables and filters; an undefined variable is empty text', async () => {
    expect(await templates.render('{{ display_name | upcase }} — {{ missing }}{{ date }}', { display_name: 'Lecture', date: '02.03.2026' })).toBe('LECTURE — 02.03.2026');
    expect(await templates.render('{{ path | split_path | last }}/{{ path | part: 1 }}', { path: 'Course / Term 1 / Lecture 3' })).toBe('Lecture 3/Term 1');
  });

  it('has no file system: include, render and layout do not exist', async () => {
    for (const source of ['{% include "/etc/passwd" %}', '{% render "secrets" %}', '{% layout "base" %}x']) {
      await expect(templates.render(source, {})).rejects.toMatchObject({ code: 'PUBLISHING.TEMPLATE_SYNTAX', status: 422 });
    }
  });

  it('reads only own properties: no constructor, prototype or process', async () => {
    const rendered = await templates.render(
      '[{{ o.constructor }}][{{ o.__proto__ }}][{{ s.constructor.name }}][{{ o.toString }}][{{ process.env }}][{{ global }}]',
      { o: { a: 1 }, s: 'text' },
    );
    expect(rendered).toBe('[][][][][][]');
  });

  it('refuses filters that do not exist and reports syntax errors with a stable code', async () => {
    await expect(templates.render('{{ x | eval }}', {})).rejects.toMatchObject({ code: 'PUBLISHING.TEMPLATE_SYNTAX' });
    expect(() => templates.validate('{% if x %}open', { field: 'metadata.titleTemplate' })).toThrow(
      expect.objectContaining({ code: 'PUBLISHING.TEMPLATE_SYNTAX', status: 422, message: expect.stringContaining('metadata.titleTemplate') }),
    );
  });

  it('stops a runaway template within its time limit', async () => {
    const started = Date.now();
    await expect(
      templates.render('{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}', {}),
    ).rejects.toMatchObject({ code: 'PUBLISHING.TEMPLATE_LIMIT_EXCEEDED' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('bounds memory and output size', async () => {
    await expect(templates.render('{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}', {})).rejects.toMatchObject({
      code: 'PUBLISHING.TEMPLATE_LIMIT_EXCEEDED',
    });
    await expect(templates.render('{% for i in (1..600) %}0123456789{% endfor %}', {})).rejects.toMatchObject({ code: 'PUBLISHING.TEMPLATE_LIMIT_EXCEEDED' });
    expect(() => templates.parse('x'.repeat(2001))).toThrow(expect.objectContaining({ code: 'PUBLISHING.TEMPLATE_TOO_LONG' }));
  });

  it('requires a title to use a variable', () => {
    expect(() => templates.validate('Lecture', { requireVariable: true, field: 'metadata.titleTemplate' })).toThrow(
      expect.objectContaining({ code: 'PUBLISHING.TEMPLATE_NEEDS_VARIABLE' }),
    );
    expect(() => templates.validate('{{ "constant" }}', { requireVariable: true })).toThrow(expect.objectContaining({ code: 'PUBLISHING.TEMPLATE_NEEDS_VARIABLE' }));
    expect(() => templates.validate('Lecture {{ display_name }}', { requireVariable: true })).not.toThrow();
    expect(() => templates.validate('Plain description')).not.toThrow();
  });
});
