/**
 * The pages speak Chinese (zh-CN) by default, English on request (`?lang=en`, kept in a cookie).
 * API refusals keep their machine-readable code; a page shows the translation of the code it knows
 * with the API's own message beside it.
 */
export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const zh = {
  platform: '济南市个人诚信积分平台',
  signIn: '登录',
  signOut: '退出',
  signInHelp: '粘贴身份认证平台签发的访问令牌（本地开发：npm run token -- ndrc；机构令牌：npm run token -- agency --agency <机构编号>）。',
  agencies: '登记机构',
  agencyId: '编号',
  agencyName: '名称',
  agencyKind: '类别',
  agencyRoles: '令牌角色',
  'kind:agency': '公共信用信息管理单位',
  'kind:provider': '市场信用信息提供单位',
  'kind:requester': '查询方',
  token: '访问令牌',
  signedInAs: '当前用户',
  inbox: '待办任务',
  slaBoard: '时限监督看板',
  language: 'English',
  process: '流程',
  kind: '任务',
  subject: '事项',
  state: '状态',
  dueDay: '截止日',
  workingDaysLeft: '剩余工作日',
  overdue: '已逾期',
  dueSoon: '即将到期',
  claimedBy: '认领人',
  dueBefore: '截止日不晚于',
  all: '全部',
  filter: '筛选',
  noTasks: '没有符合条件的任务。',
  open: '待处理',
  claimed: '已认领',
  completed: '已完成',
  cancelled: '已取消',
  claim: '认领',
  release: '释放',
  decide: '作出决定',
  decision: '决定',
  reasons: '理由',
  submit: '提交',
  details: '事项详情',
  history: '任务记录',
  at: '时间',
  event: '事件',
  actor: '操作人',
  back: '返回待办',
  refused: '未被接受',
  period: '期间',
  from: '起',
  to: '止',
  show: '查看',
  agency: '责任机构',
  platformStages: '平台（发展改革部门）',
  metOnTime: '按时办结',
  metLate: '超时办结',
  breached: '已超时未办结',
  openStages: '办理中',
  about: '事项',
  record: '信用信息',
  recordType: '信息类型',
  tier: '失信程度',
  reference: '信息编号',
  sharer: '共享单位',
  formedOn: '形成日期',
  sharedAt: '共享时间',
  recordStatus: '信息状态',
  disputed: '异议中',
  evidence: '证明材料',
  versions: '历次版本',
  version: '版本',
  changedBy: '变更人及理由',
  supersededAt: '被替代时间',
  current: '现行版本',
  application: '申请',
  declared: '申报内容',
  route: '修复方式',
  threshold: '目标',
  earlierDecisions: '本流程此前的决定',
  dueAt: '办理时限',
  claimedAt: '认领于',
  supervise: '督办',
  remind: '发送提醒',
  eventDetail: '说明',
  releasedFrom: '解除认领：',
  remindedTo: '提醒对象：',
  'done:claim': '已认领该任务。',
  'done:release': '认领已释放。',
  'done:remind': '提醒已发送。',
  'done:decide': '决定已记录。',
  failedStages: '流程失败',
  troubles: '出现问题的流程',
  noTroubles: '目前没有出现问题的流程。',
  troubleKind: '问题',
  workflow: '工作流',
  reason: '原因',
  since: '起始时间',
  'trouble:failed': '流程已失败',
  'trouble:workflow-task-failing': '工作流任务反复失败',
  'trouble:activity-retrying': '步骤反复重试',
  trend: '按截止日的趋势',
  downloadCsv: '下载 CSV',
  downloadJson: '下载 JSON',
  openInTemporal: '在 Temporal Web UI 中查看',
  noStages: '该期间没有到期的时限。',
  errorTitle: '无法完成请求',
  'process:record-sharing': '信用记录共享',
  'process:objection': '异议处理',
  'process:repair': '信用修复',
  'process:declaration': '自主申报',
  'process:calendar': '工作日历',
  'code:invalid-decision': '决定不符合要求',
  'code:task-closed': '任务已关闭或已被他人认领',
  'code:forbidden': '无权操作',
  'code:invalid-token': '令牌无效或已过期',
  'code:missing-token': '请先登录',
  'code:not-found': '未找到',
  'code:invalid-input': '输入有误',
  'code:csrf': '表单已失效，请刷新页面后重试',
  'code:unstorable-input': '输入中有无法保存的字符',
  'code:too-deep': '输入嵌套层数过多',
};

type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  platform: 'Jinan personal integrity score platform',
  signIn: 'Sign in',
  signOut: 'Sign out',
  signInHelp: 'Paste the access token issued by the identity provider (locally: npm run token -- ndrc; for an organisation: npm run token -- agency --agency <its id>).',
  agencies: 'Registered organisations',
  agencyId: 'Id',
  agencyName: 'Name',
  agencyKind: 'Kind',
  agencyRoles: 'Token roles',
  'kind:agency': 'Public credit information agency',
  'kind:provider': 'Market credit information provider',
  'kind:requester': 'Requester',
  token: 'Access token',
  signedInAs: 'Signed in as',
  inbox: 'Task inbox',
  slaBoard: 'SLA board',
  language: '中文',
  process: 'Process',
  kind: 'Task',
  subject: 'Subject',
  state: 'State',
  dueDay: 'Due day',
  workingDaysLeft: 'Working days left',
  overdue: 'Overdue',
  dueSoon: 'Due soon',
  claimedBy: 'Claimed by',
  dueBefore: 'Due on or before',
  all: 'All',
  filter: 'Filter',
  noTasks: 'No task matches.',
  open: 'Open',
  claimed: 'Claimed',
  completed: 'Completed',
  cancelled: 'Cancelled',
  claim: 'Claim',
  release: 'Release',
  decide: 'Decide',
  decision: 'Decision',
  reasons: 'Reasons',
  submit: 'Submit',
  details: 'Subject details',
  history: 'History',
  at: 'At',
  event: 'Event',
  actor: 'By',
  back: 'Back to the inbox',
  refused: 'Refused',
  period: 'Period',
  from: 'From',
  to: 'To',
  show: 'Show',
  agency: 'Agency',
  platformStages: 'Platform (NDRC)',
  metOnTime: 'Met on time',
  metLate: 'Met late',
  breached: 'Breached, still open',
  openStages: 'Open',
  about: 'About',
  record: 'Record',
  recordType: 'Type',
  tier: 'Tier',
  reference: 'Reference',
  sharer: 'Shared by',
  formedOn: 'Formed on',
  sharedAt: 'Shared at',
  recordStatus: 'Status',
  disputed: 'Disputed',
  evidence: 'Evidence',
  versions: 'Versions',
  version: 'Version',
  changedBy: 'Changed by, and why',
  supersededAt: 'Replaced at',
  current: 'Current',
  application: 'Application',
  declared: 'Declared',
  route: 'Route',
  threshold: 'Threshold',
  earlierDecisions: 'Earlier decisions in this process',
  dueAt: 'Due',
  claimedAt: 'since',
  supervise: 'Supervise',
  remind: 'Send a reminder',
  eventDetail: 'Detail',
  releasedFrom: 'Claim ended of',
  remindedTo: 'Reminded',
  'done:claim': 'You hold the task.',
  'done:release': 'The claim is released.',
  'done:remind': 'The reminder is sent.',
  'done:decide': 'The decision is recorded.',
  failedStages: 'Process failed',
  troubles: 'Processes in trouble',
  noTroubles: 'No process is in trouble.',
  troubleKind: 'Trouble',
  workflow: 'Workflow',
  reason: 'Reason',
  since: 'Since',
  'trouble:failed': 'Failed',
  'trouble:workflow-task-failing': 'Workflow task keeps failing',
  'trouble:activity-retrying': 'A step keeps retrying',
  trend: 'Trend by due day',
  downloadCsv: 'Download CSV',
  downloadJson: 'Download JSON',
  openInTemporal: 'Open in the Temporal Web UI',
  noStages: 'No stage is due in this period.',
  errorTitle: 'The request could not be completed',
  'process:record-sharing': 'Record sharing',
  'process:objection': 'Objection',
  'process:repair': 'Credit repair',
  'process:declaration': 'Self-declaration',
  'process:calendar': 'Working-day calendar',
  'code:invalid-decision': 'The decision does not meet its rules',
  'code:task-closed': 'The task is closed or claimed by someone else',
  'code:forbidden': 'Not allowed',
  'code:invalid-token': 'The token is not valid or has expired',
  'code:missing-token': 'Please sign in',
  'code:not-found': 'Not found',
  'code:invalid-input': 'Invalid input',
  'code:csrf': 'The form has expired: reload the page and try again',
  'code:unstorable-input': 'The input holds characters that cannot be stored',
  'code:too-deep': 'The input is nested too deeply',
};

const MESSAGES: Record<Language, Record<MessageKey, string>> = { 'zh-CN': zh, en };

export type Translate = (key: MessageKey) => string;

export function translator(language: Language): Translate {
  return (key) => MESSAGES[language][key];
}

/** A message for a value the pages know (a process, an error code), or the value itself. */
export function known(t: Translate, prefix: 'process' | 'code' | 'kind', value: string): string {
  const key = `${prefix}:${value}`;
  return key in zh ? t(key as MessageKey) : value;
}

/** A day as reviewers read it: `2026年12月10日`, or `2026-12-10` in English. */
export function dayWords(language: Language, day: string): string {
  const [year, month, date] = day.split('-');
  return language === 'zh-CN' && year && month && date ? `${year}年${Number(month)}月${Number(date)}日` : day;
}

/**
 * An instant in Jinan: `2026年12月10日 14:05`, or `2026-12-10 14:05` in English (Asia/Shanghai).
 * Midnight is the end of the day before, as deadlines are written: `2026年12月15日 24:00`.
 */
export function timeWords(language: Language, instant: string): string {
  const at = new Date(instant);
  const parts = Object.fromEntries(SHANGHAI_TIME.formatToParts(at).map((part) => [part.type, part.value]));
  if (parts.hour === '00' && parts.minute === '00') {
    const before = Object.fromEntries(SHANGHAI_TIME.formatToParts(new Date(at.getTime() - 1)).map((part) => [part.type, part.value]));
    return `${dayWords(language, `${before.year}-${before.month}-${before.day}`)} 24:00`;
  }
  return `${dayWords(language, `${parts.year}-${parts.month}-${parts.day}`)} ${parts.hour}:${parts.minute}`;
}

const SHANGHAI_TIME = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** An instant as reviewers in Jinan read it: `2026/12/07 18:30`, Asia/Shanghai. */
export function shanghaiTime(instant: string): string {
  return SHANGHAI_TIME.format(new Date(instant));
}

export function isLanguage(value: unknown): value is Language {
  return (LANGUAGES as readonly unknown[]).includes(value);
}
