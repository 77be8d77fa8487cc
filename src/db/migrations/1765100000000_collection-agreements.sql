-- Up Migration
-- Art. 7: a score is queried only after real-name authentication and a signed agreement on the
-- collection and use of the person's information. The text is versioned data; a person signs
-- the version in force, and may revoke.
CREATE TABLE agreement_texts (
  version       text PRIMARY KEY CHECK (version ~ '^[A-Za-z0-9._-]{1,40}$'),
  status        text NOT NULL CHECK (status IN ('active', 'retired')),
  text          text NOT NULL,
  published_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX agreement_texts_one_active ON agreement_texts (status) WHERE status = 'active';
-- The wording is ours, to be confirmed by NDRC and the city's legal office (DOMAIN.md [ours]).
INSERT INTO agreement_texts (version, status, text) VALUES ('2026-12', 'active',
'济南市个人诚信积分信息采集和使用协议：本人同意济南市公共信用信息平台依据《济南市个人诚信积分管理办法》采集、归集本人的身份信息、荣誉信息、社会贡献信息及失信信息，用于计算本人的诚信积分并在本人授权的范围内提供查询和守信激励服务。诚信积分仅用于激励，不得用于限制基本公共服务和法定权利。本人可以随时撤回本同意；撤回后平台不再向任何人（包括本人）提供本人的诚信积分，已经进行的评价依法保留。');

CREATE TABLE agreements (
  id                  uuid PRIMARY KEY,
  person_id           uuid NOT NULL REFERENCES persons (id),
  text_version        text NOT NULL REFERENCES agreement_texts (version),
  -- Where the person signed: the city's app, the website, the mini-program, a service counter.
  channel             text NOT NULL CHECK (channel IN ('app', 'web', 'mini-program', 'service-counter')),
  -- The identity provider's authentication context (acr) at signing: real-name.
  assurance           text NOT NULL,
  signed_by           text NOT NULL,
  signed_at           timestamptz NOT NULL,
  revoked_at          timestamptz,
  revoked_by          text,
  revocation_channel  text CHECK (revocation_channel IN ('app', 'web', 'mini-program', 'service-counter')),
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE UNIQUE INDEX agreements_one_in_force ON agreements (person_id) WHERE revoked_at IS NULL;
CREATE INDEX agreements_person ON agreements (person_id, signed_at);

-- Down Migration
DROP TABLE agreements;
DROP TABLE agreement_texts;
