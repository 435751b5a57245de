// Original file: proto/plinth/v1/agent.proto

import type { CpuInfo__Input as _plinth_v1_CpuInfo__Input, CpuInfo as _plinth_v1_CpuInfo } from '../../plinth/v1/CpuInfo.js';
import type { MemoryInfo__Input as _plinth_v1_MemoryInfo__Input, MemoryInfo as _plinth_v1_MemoryInfo } from '../../plinth/v1/MemoryInfo.js';
import type { NumaNode__Input as _plinth_v1_NumaNode__Input, NumaNode as _plinth_v1_NumaNode } from '../../plinth/v1/NumaNode.js';
import type { DiskInfo__Input as _plinth_v1_DiskInfo__Input, DiskInfo as _plinth_v1_DiskInfo } from '../../plinth/v1/DiskInfo.js';
import type { NicInfo__Input as _plinth_v1_NicInfo__Input, NicInfo as _plinth_v1_NicInfo } from '../../plinth/v1/NicInfo.js';
import type { OsInfo__Input as _plinth_v1_OsInfo__Input, OsInfo as _plinth_v1_OsInfo } from '../../plinth/v1/OsInfo.js';
import type { SystemInfo__Input as _plinth_v1_SystemInfo__Input, SystemInfo as _plinth_v1_SystemInfo } from '../../plinth/v1/SystemInfo.js';

export interface HostInventory__Input {
  'hostname'?: (string);
  'cpu'?: (_plinth_v1_CpuInfo__Input | null);
  'memory'?: (_plinth_v1_MemoryInfo__Input | null);
  'numa'?: (_plinth_v1_NumaNode__Input)[];
  'disks'?: (_plinth_v1_DiskInfo__Input)[];
  'nics'?: (_plinth_v1_NicInfo__Input)[];
  'os'?: (_plinth_v1_OsInfo__Input | null);
  'system'?: (_plinth_v1_SystemInfo__Input | null);
  'driversJson'?: ({[key: string]: string});
}

export interface HostInventory {
  'hostname': (string);
  'cpu': (_plinth_v1_CpuInfo | null);
  'memory': (_plinth_v1_MemoryInfo | null);
  'numa': (_plinth_v1_NumaNode)[];
  'disks': (_plinth_v1_DiskInfo)[];
  'nics': (_plinth_v1_NicInfo)[];
  'os': (_plinth_v1_OsInfo | null);
  'system': (_plinth_v1_SystemInfo | null);
  'driversJson': ({[key: string]: string});
}
