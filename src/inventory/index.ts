export type { Inventory, InventoryHost, InventoryGroup } from './model.js';
export { loadInventory, defaultInventory, parseInventoryText, inventoryToJson } from './load.js';
export { selectHosts, select } from './limit.js';
export { toConnectionSpec, becomeOf } from './connection.js';
