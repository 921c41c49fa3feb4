export { type Tag, type TagGroup, tagInput, tagGroupInput, listTagGroups, getTag, createTagGroup, createTag, updateTag, deleteTag } from './model.js';
export { type TagTargets, type TagChange, tagTargets, addTag, removeTag, importTagCsv, tagHistory, customerTags } from './assign.js';
export { tagRoutes } from './routes.js';
