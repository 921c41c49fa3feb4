import './schema.js';

export { Simulator, type SimulatorOptions } from './simulator/index.js';
export { WeComClient, clearTokenCache } from './client.js';
export { WeComError, ERRCODES } from './errors.js';
export * as wecomApi from './api.js';
export { signature, encrypt, decrypt, openSigned, seal, withinReplayWindow, CallbackCryptoError } from './crypto.js';
export { type SettingsInput, type ConnectionCheck, saveSettings, settingsView, testConnection, loadCredentials } from './settings.js';
export { type LiveCode, type LiveCodeInput, CHANNEL_NAMES, createLiveCode, getLiveCode, listLiveCodes, updateLiveCode, deleteLiveCode, refreshLiveCodes } from './codes.js';
export { type GroupCode, type GroupCodeInput, createGroupCode, getGroupCode, listGroupCodes, deleteGroupCode } from './groups.js';
export { acceptCallback, processInbox, kickInbox, REPLAY_WINDOW_S } from './inbox.js';
export { syncAll, type SyncResult } from './sync.js';
export { liveCodeStats } from './stats.js';
export { customerRelations, listStaff, listGroups } from './views.js';
export { WELCOME_TEMPLATES, renderText } from './welcome.js';
export { wecomIdle } from './jobs.js';
export { wecomRoutes } from './routes.js';
export { startWecomWorker } from './worker.js';
export { mountWecomDemo, SIMULATOR_PREFIX, type WecomDemo } from './demo.js';
