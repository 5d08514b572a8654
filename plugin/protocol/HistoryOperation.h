// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"
#include "PropertyChange.h"
#include "StateItem.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMap>
#include <QString>
#include <functional>

namespace Optiverse::Collab {

/// A scene as the history rebuilds it: item id -> item.
using HistoryScene = QMap<QString, StateItem>;

/// Reads the items of a message's "state" (history:scene_at, sync:full_state)
/// into @p out; false when one of them is not a valid item.
bool readHistoryScene(const QJsonObject &message, HistoryScene *out);

/**
 * One accepted operation of a session's history: who, when, the
 * command as relayed, and for each item it touched the values it replaced and
 * the values it wrote, so it can be shown ("focal length 100 → 75"), replayed
 * exactly and inverted without looking at anything else.
 *
 * A command touches one item; a pushed sync:full_state merged into the session
 * may touch many (then command is empty and statePush is set).
 *
 * An ItemChange is either a whole item (a creation: existedBefore false and
 * the whole data in after; a removal: existsAfter false and the whole data in
 * before; a re-add as another type: both) or, for an item that stayed, the
 * list of properties that changed with their old and new values (a key absent
 * on one side was added or deleted). The whole-item form shares the item's
 * data; the property form is a short list, because building JSON objects for
 * every relayed move cost more than the relay itself (bench/README.md).
 */
class HistoryOperation
{
public:
    using PropertyChange = Optiverse::Collab::PropertyChange;

    struct ItemChange
    {
        QString itemId;
        QString itemType;     ///< the type after (before, for a removal)
        QString typeBefore;   ///< differs from itemType only when a re-add changed it
        bool existedBefore = true;
        bool existsAfter = true;
        QJsonObject before;   ///< whole-item form only: the data before
        QJsonObject after;    ///< whole-item form only: the data after
        QList<PropertyChange> properties; ///< property form only, each key once, in no particular order

        /// True for a creation, a removal or a re-add as another type.
        bool isWholeItem() const { return !existedBefore || !existsAfter || typeBefore != itemType; }
        /// The values before / after as an object, in either form (the
        /// property form gives the changed keys only).
        QJsonObject beforeObject() const;
        QJsonObject afterObject() const;
    };

    qint64 seq = 0;
    QString userId;
    qint64 timeMs = 0;       ///< server clock, ms since the epoch (UTC)
    QJsonObject command;     ///< the "command" object as relayed (empty for a state push)
    bool statePush = false;
    /// Restore/revert groups: {"id","kind":"restore"|"revert","target_seq"}; empty otherwise.
    QJsonObject group;
    QList<ItemChange> changes;

    /**
     * Drops what the changes already say from the command (its data, and
     * keys), keeping its action in an object shared by every operation:
     * a server keeps thousands of operations in memory, and the command's
     * data would double each one. toJson() writes a command back from the
     * changes (action, item, data = the values written, changed_keys and
     * removed_keys); the stored form is made before, from the whole command.
     */
    void slim();
    bool isSlim() const { return m_slim; }
    /// The command slim() keeps for @p action: one object shared by all.
    static QJsonObject slimCommand(Command::Action action);
    /// About how many bytes the operation holds in memory, for budgets.
    qint64 footprint() const;

    /// The change from @p before (nullptr: absent) to @p after (nullptr: absent).
    static ItemChange diff(const QString &itemId, const StateItem *before, const StateItem *after);
    /// The property form for an item of @p itemType that stayed, from the
    /// properties a command wrote (SessionModel::Change::properties).
    static ItemChange propertyChange(const QString &itemId, const QString &itemType,
                                     const QList<PropertyChange> &properties);

    /// Applies the operation to @p scene (forward) or undoes it (backward).
    void apply(HistoryScene *scene) const;
    void unapply(HistoryScene *scene) const;
    static void applyChange(const ItemChange &change, HistoryScene *scene, bool forward);

    /// The recording line / stored form: {"seq","user_id","timestamp","time_ms",
    /// "command"|"state_push","group"?,"changes":[{item_id,item_type,before?,after?}]}.
    QJsonObject toJson() const;
    /**
     * The form of a history page: as toJson(), but strings longer than
     * @p maxChars shortened with "…" and large arrays and objects left out
     * ("…"), and at most @p maxChanges changes ("changes_total" then counts
     * them all). Built without copying what it leaves out, so a page of huge
     * values costs what the page holds. @p shortened: whether anything was.
     */
    QJsonObject previewJson(qsizetype maxChars, qsizetype maxChanges, bool *shortened) const;
    /// Reads toJson()'s form; false with @p error naming the field otherwise.
    static bool fromJson(const QJsonObject &object, HistoryOperation *out, QString *error);

    /// ISO-8601 UTC with milliseconds, as written in "timestamp".
    static QString isoTime(qint64 timeMs);

private:
    using ValueFilter = std::function<QJsonValue(const QJsonValue &)>;
    QJsonObject toJson(const ValueFilter &filter, qsizetype maxChanges) const;
    QJsonObject commandJson(const ValueFilter &filter) const;
    bool m_slim = false;
};

} // namespace Optiverse::Collab
