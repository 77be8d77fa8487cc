import type { Language } from './i18n';

/**
 * The platform's codes in the words reviewers read (zh-CN) or, on request, English: task kinds,
 * decisions, task events and states, process states, record types and categories, tiers, the
 * details of the catalogue and what a case shows. A code the pages do not know is shown as it is,
 * and the browser tests fail on it (test/browser/pages.test.ts).
 */
const WORDS = {
  kind: {
    'objection-triage': ['异议分办', 'Objection triage'],
    'objection-decision': ['异议处理', 'Objection decision'],
    'objection-verification': ['异议核查', 'Objection verification'],
    'repair-performance': ['履约确认', 'Performance confirmation'],
    'repair-deferral': ['延期或分期申请', 'Deferral request'],
    'repair-instalment': ['分期履行确认', 'Instalment confirmation'],
    'repair-completeness': ['修复材料完整性审查', 'Completeness check'],
    'repair-decision': ['信用修复决定', 'Repair decision'],
    'repair-sector-decision': ['按行业规定决定', 'Decision under sector rules'],
    'declaration-verification': ['自主申报核验', 'Declaration verification'],
  },
  decision: {
    'handle-in-house': ['自行处理', 'Handle in house'],
    'forward-to-agency': ['转交机构核查', 'Forward to the agency'],
    uphold: ['维持原信息', 'Uphold'],
    correct: ['予以更正', 'Correct'],
    remove: ['予以删除', 'Remove'],
    met: ['已履行', 'Met'],
    'not-met': ['未履行', 'Not met'],
    grant: ['准予', 'Grant'],
    refuse: ['不予准许', 'Refuse'],
    paid: ['已履行本期', 'Paid'],
    missed: ['未履行本期', 'Missed'],
    complete: ['材料齐全', 'Complete'],
    'request-supplement': ['通知申请人补正材料', 'Ask for what is missing'],
    incomplete: ['材料不全', 'Incomplete'],
    approve: ['准予修复', 'Approve'],
    reject: ['不予修复', 'Reject'],
    'close-moot': ['不再计入，结案', 'Close: no longer counts'],
    accept: ['予以采信', 'Accept'],
  },
  event: {
    created: ['创建', 'Created'],
    claimed: ['认领', 'Claimed'],
    released: ['释放', 'Released'],
    completed: ['完成', 'Completed'],
    cancelled: ['取消', 'Cancelled'],
    reminded: ['督办提醒', 'Reminded'],
  },
  tier: {
    minor: ['轻微', 'Minor'],
    general: ['一般', 'General'],
    serious: ['严重', 'Serious'],
  },
  category: {
    identity: ['身份信息', 'Identity'],
    honours: ['荣誉表彰', 'Honours'],
    'social-contribution': ['社会贡献', 'Social contribution'],
    'law-abiding': ['遵纪守法', 'Law-abiding'],
    administrative: ['行政管理', 'Administrative'],
    'promise-keeping': ['履约践诺', 'Promise-keeping'],
    other: ['其他', 'Other'],
    market: ['市场信用信息', 'Market information'],
  },
  status: {
    active: ['有效', 'Active'],
    revoked: ['已撤销', 'Revoked'],
    repaired: ['已修复', 'Repaired'],
  },
  type: {
    'administrative-enforcement': ['行政强制', 'Administrative enforcement'],
    'administrative-licence': ['行政许可', 'Administrative licence'],
    'administrative-penalty': ['行政处罚', 'Administrative penalty'],
    'blood-donation': ['无偿献血', 'Blood donation'],
    'charitable-donation': ['慈善捐赠', 'Charitable donation'],
    'civil-capacity': ['民事行为能力', 'Civil capacity'],
    'civilised-practice': ['文明实践', 'Civilised practice'],
    'court-dishonest-debtor': ['失信被执行人', 'Dishonest judgment debtor'],
    'criminal-conviction': ['刑事判决', 'Criminal conviction'],
    'deregistration-to-evade-penalty': ['注销逃避处罚', 'Deregistration to evade a penalty'],
    'emergency-rescue': ['见义勇为、应急救援', 'Emergency rescue'],
    'exam-cheating': ['考试作弊', 'Exam cheating'],
    'false-materials-commitment': ['提供虚假材料、违背承诺', 'False materials or broken commitment'],
    'false-materials-public-order': ['提供虚假材料扰乱公共秩序', 'False materials harming public order'],
    'fee-refusal': ['拒缴行政事业性收费', 'Refusing administrative fees'],
    'government-affairs-dishonesty': ['政务失信', 'Government-affairs dishonesty'],
    'honour-district': ['区县级表彰', 'District honour'],
    'honour-municipal': ['市级表彰', 'Municipal honour'],
    'honour-national': ['国家级表彰', 'National honour'],
    'honour-provincial': ['省级表彰', 'Provincial honour'],
    'household-registration': ['户籍登记', 'Household registration'],
    'illegal-fundraising': ['非法集资', 'Illegal fundraising'],
    'joint-punishment-list': ['联合惩戒名单', 'Joint punishment list'],
    'joint-reward-list': ['联合激励名单', 'Joint reward list'],
    'loan-overdue': ['贷款逾期', 'Loan overdue'],
    'loan-repaid-on-time': ['按时还款', 'Loan repaid on time'],
    'market-ban': ['市场禁入', 'Market ban'],
    'organ-donation': ['器官捐献', 'Organ donation'],
    'other-negative': ['其他失信信息', 'Other negative'],
    'other-positive': ['其他守信信息', 'Other positive'],
    registration: ['登记注册', 'Registration'],
    'research-fraud': ['科研失信', 'Research fraud'],
    'residence-permit': ['居住证', 'Residence permit'],
    'social-insurance-refusal': ['拒缴社会保险费', 'Refusing social insurance'],
    'tax-refusal': ['拒不缴纳税款', 'Refusing taxes'],
    volunteering: ['志愿服务', 'Volunteering'],
  },
  field: {
    activity: ['实践活动', 'Activity'],
    amountYuan: ['金额（元）', 'Amount (yuan)'],
    awardedBy: ['授予单位', 'Awarded by'],
    bannedUntil: ['禁入期限至', 'Banned until'],
    capacity: ['民事行为能力', 'Capacity'],
    caseNumber: ['案号', 'Case number'],
    daysOverdue: ['逾期天数', 'Days overdue'],
    decisionNumber: ['决定书文号', 'Decision number'],
    examination: ['考试', 'Examination'],
    hours: ['时长（小时）', 'Hours'],
    lender: ['出借方', 'Lender'],
    listName: ['名单名称', 'List'],
    millilitres: ['献血量（毫升）', 'Millilitres'],
    minorPromptlyRemedied: ['轻微且及时纠正', 'Minor and promptly remedied'],
    note: ['备注', 'Note'],
    penaltyKind: ['处罚种类', 'Kind of penalty'],
    sentenceServedOn: ['刑罚执行完毕之日', 'Sentence served on'],
    organisation: ['服务单位', 'Organisation'],
    procedure: ['程序', 'Procedure'],
    recipient: ['受赠方', 'Recipient'],
    settled: ['是否已结清', 'Settled'],
    title: ['称号', 'Title'],
    validUntil: ['有效期至', 'Valid until'],
  },
  route: {
    performance: ['主动履行', 'Subsequent performance'],
    deferral: ['申请延期', 'Deferral'],
    volunteering: ['志愿服务', 'Volunteering'],
    donation: ['慈善捐赠', 'Donation'],
    'civilised-practice': ['文明实践', 'Civilised practice'],
  },
  evidence: {
    document: ['文件', 'Document'],
    decision: ['决定书', 'Decision'],
    certificate: ['证明', 'Certificate'],
    url: ['网址', 'Link'],
    other: ['其他', 'Other'],
  },
  role: {
    agency: ['公共信用信息管理单位人员', 'Agency staff'],
    provider: ['市场信用信息提供单位人员', 'Provider staff'],
    ndrc: ['市发展改革部门', 'NDRC'],
    person: ['自然人', 'Person'],
    requester: ['信用信息查询方', 'Requester'],
    institution: ['评分机构', 'Scoring institution'],
    supervisor: ['监督人员', 'Supervisor'],
    admin: ['平台管理员', 'Administrator'],
    'civic-db': ['文明行为数据库', 'Civic database'],
  },
  value: {
    general: ['一般程序', 'General procedure'],
    simple: ['简易程序', 'Simple procedure'],
    full: ['完全民事行为能力', 'Full'],
    limited: ['限制民事行为能力', 'Limited'],
    none: ['无民事行为能力', 'None'],
    warning: ['警告', 'Warning'],
    'circulated-criticism': ['通报批评', 'Circulated criticism'],
    fine: ['罚款', 'Fine'],
    confiscation: ['没收违法所得、没收非法财物', 'Confiscation'],
    'licence-suspension': ['暂扣或吊销许可证件、降低资质等级', 'Licence suspended or revoked'],
    detention: ['行政拘留', 'Administrative detention'],
    other: ['其他', 'Other'],
    true: ['是', 'Yes'],
    false: ['否', 'No'],
  },
} as const satisfies Record<string, Record<string, readonly [string, string]>>;

export type Vocabulary = keyof typeof WORDS;

/** A code in words, or the code itself when the pages do not know it. */
export type Words = (group: Vocabulary, code: string) => string;

export function wordsFor(language: Language): Words {
  const index = language === 'zh-CN' ? 0 : 1;
  return (group, code) => {
    const entry = (WORDS[group] as Record<string, readonly [string, string]>)[code];
    return entry ? entry[index] : code;
  };
}

/** Every code the pages translate, by group: what a Chinese page must never show as it is. */
export function knownCodes(): Record<Vocabulary, string[]> {
  return Object.fromEntries(Object.entries(WORDS).map(([group, entries]) => [group, Object.keys(entries)])) as Record<Vocabulary, string[]>;
}
