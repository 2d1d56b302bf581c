import { templateField, withTemplateMetadata } from './template-metadata';

describe('withTemplateMetadata', () => {
  const preset = { titleTemplate: 'Preset {{ display_name }}', privacy: 'unlisted', tags: ['preset'], categoryId: '27' };

  it('lays the template over the preset: its own fields, then its common block, then the platform block', () => {
    const layered = withTemplateMetadata('youtube', preset, {
      titleTemplate: 'Template {{ display_name }}',
      tags: ['template'],
      common: { tags: ['common'], privacy: 'private', descriptionTemplate: 'Common' },
      youtube: { privacy: 'public', descriptionTemplate: null },
      vk: { titleTemplate: 'VK only' },
    });
    expect(layered.metadata).toEqual({ titleTemplate: 'Template {{ display_name }}', privacy: 'public', tags: ['common'], categoryId: '27', descriptionTemplate: 'Common' });
    expect(layered.sources).toEqual({
      titleTemplate: 'metadataConfig.titleTemplate',
      tags: 'metadataConfig.common.tags',
      privacy: 'metadataConfig.youtube.privacy',
      descriptionTemplate: 'metadataConfig.common.descriptionTemplate',
    });
  });

  it("takes from each block only what the platform's preset has, and nothing from an empty template", () => {
    expect(withTemplateMetadata('vk_video', {}, { common: { privacy: 'public', wallpost: true }, vk: { groupId: 7, made: 'up' } }).metadata).toEqual({ wallpost: true, groupId: 7 });
    expect(withTemplateMetadata('yandex_disk', {}, { yandexDisk: { folderPathTemplate: '/Courses', publish: true } }).metadata).toEqual({ folderPathTemplate: '/Courses', publish: true });
    expect(withTemplateMetadata('youtube', preset, {})).toEqual({ metadata: preset, sources: {} });
    expect(withTemplateMetadata('youtube', preset, undefined)).toEqual({ metadata: preset, sources: {} });
  });

  it("names a problem's field where the template set it", () => {
    const sources = { topicsDisplay: 'metadataConfig.common.topicsDisplay' };
    expect(templateField('metadata.topicsDisplay.format', sources)).toBe('metadataConfig.common.topicsDisplay.format');
    expect(templateField('metadata.privacy', sources)).toBe('metadata.privacy');
  });
});
