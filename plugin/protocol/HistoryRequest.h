// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
#include <QJsonObject>
#include <QLatin1String>
#include <QString>

namespace Optiverse::Collab {

/**
 * A session-history request of a capable client, validated. These
 * are extension message types: original peers never send or receive them.
 *
 *   history:page     {before_seq?, limit? (1–500, default 100), filter_user?, filter_item?}
 *                    → history:page {entries, next_before_seq, base_seq, head_seq, versions}
 *   history:scene_at {seq} → history:scene {seq, state:{items}}
 *   history:restore  {seq} → ordinary commands (one group), then history:done
 *   history:revert   {seq} → ordinary commands (one group), then history:done {skipped}
 *   history:name     {seq, name} → history:version_named to every capable member
 *   history:value    {seq, item_id, key, side} → history:value {…, value}
 *
 * Every request may carry "request_id" (a string of at most 64 characters),
 * echoed in the reply or in the "error" it gets.
 */
class HistoryRequest
{
public:
    enum class Kind { Page, SceneAt, Restore, Revert, Name, Value };

    Kind kind = Kind::Page;
    qint64 seq = -1;        ///< scene_at, restore, revert, name
    qint64 beforeSeq = -1;  ///< page
    int limit = 100;        ///< page
    QString filterUser;     ///< page
    QString filterItem;     ///< page
    QString name;           ///< name (1–100 characters, no control characters)
    QString itemId;         ///< value
    QString key;            ///< value
    bool after = true;      ///< value: the side
    QString requestId;

    static constexpr int MaxLimit = 500;
    static constexpr int MaxNameLength = 100;

    /// True when @p json's type is a history request type at all.
    static bool isHistoryType(const QJsonObject &json);
    /// Validates @p json (a history request type); false with @p error otherwise.
    static bool fromJson(const QJsonObject &json, HistoryRequest *out, QString *error);
    /// The request as sent by a client.
    QJsonObject toJson() const;
};

namespace Protocol {
// History extension message types.
inline constexpr QLatin1String TypeHistoryPage("history:page");
inline constexpr QLatin1String TypeHistorySceneAt("history:scene_at");
inline constexpr QLatin1String TypeHistoryScene("history:scene");
inline constexpr QLatin1String TypeHistoryRestore("history:restore");
inline constexpr QLatin1String TypeHistoryRevert("history:revert");
inline constexpr QLatin1String TypeHistoryName("history:name");
inline constexpr QLatin1String TypeHistoryDone("history:done");
inline constexpr QLatin1String TypeHistoryVersions("history:versions");
/// One version named since: {version:{seq, name, user_id, time_ms}} (the
/// whole list comes with each page).
inline constexpr QLatin1String TypeHistoryVersionNamed("history:version_named");
/// The whole of a value a page shortened: request {seq, item_id, key, side
/// ("before"|"after")} → reply {seq, item_id, key, side, value}.
inline constexpr QLatin1String TypeHistoryValue("history:value");
/// A page entry's value longer than this many characters is shortened.
inline constexpr int HistoryValuePreview = 200;
// History error codes.
inline constexpr QLatin1String ErrorHistoryForbidden("history_forbidden");
inline constexpr QLatin1String ErrorHistoryOutOfRange("history_out_of_range");
inline constexpr QLatin1String ErrorHistoryUnsupported("history_unsupported");
inline constexpr QLatin1String ErrorHistoryTooCostly("history_too_costly");
inline constexpr QLatin1String ErrorHistoryBusy("history_busy");
/// Capability the server lists in connection:ack when it keeps a history.
inline constexpr QLatin1String CapHistory("history");
/// Top-level field of a relayed command that belongs to a restore or revert:
/// {"id","kind":"restore"|"revert","target_seq","count"}.
inline constexpr QLatin1String FieldHistoryGroup("history_group");
} // namespace Protocol

} // namespace Optiverse::Collab
