// SPDX-License-Identifier: MIT
#pragma once

#include "StateItem.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

namespace Optiverse::Collab {

/// A scene as the history rebuilds it: item id -> item.
using HistoryScene = QMap<QString, StateItem>;

/// Reads the items of a message's "state" (history:scene_at, sync:full_state)
/// into @p out; false when one of them is not a valid item.
bool readHistoryScene(const QJsonObject &message, HistoryScene *out);

/**
 * One accepted operation of a session's history (issue 13): who, when, the
 * command as relayed, and for each item it touched the values it replaced and
 * the values it wrote, so it can be shown ("focal length 100 → 75"), replayed
 * exactly and inverted without looking at anything else.
 *
 * A command touches one item; a pushed sync:full_state merged into the session
 * may touch many (then command is empty and statePush is set).
 *
 * An ItemChange is a property-level diff: before holds the old values of the
 * keys that changed (a key only in before was deleted), after the new values
 * (a key only in after was added). An add has existedBefore false and the
 * whole item in after; a removal has existsAfter false and the whole item in
 * before.
 */
class HistoryOperation
{
public:
    struct ItemChange
    {
        QString itemId;
        QString itemType;     ///< the type after (before, for a removal)
        QString typeBefore;   ///< differs from itemType only when a re-add changed it
        bool existedBefore = true;
        bool existsAfter = true;
        QJsonObject before;
        QJsonObject after;
    };

    qint64 seq = 0;
    QString userId;
    qint64 timeMs = 0;       ///< server clock, ms since the epoch (UTC)
    QJsonObject command;     ///< the "command" object as relayed (empty for a state push)
    bool statePush = false;
    /// Restore/revert groups: {"id","kind":"restore"|"revert","target_seq"}; empty otherwise.
    QJsonObject group;
    QList<ItemChange> changes;

    /// The diff from @p before (nullptr: absent) to @p after (nullptr: absent).
    static ItemChange diff(const QString &itemId, const StateItem *before, const StateItem *after);

    /// Applies the operation to @p scene (forward) or undoes it (backward).
    void apply(HistoryScene *scene) const;
    void unapply(HistoryScene *scene) const;
    static void applyChange(const ItemChange &change, HistoryScene *scene, bool forward);

    /// The recording line / stored form: {"seq","user_id","timestamp","time_ms",
    /// "command"|"state_push","group"?,"changes":[{item_id,item_type,before?,after?}]}.
    QJsonObject toJson() const;
    /// Reads toJson()'s form; false with @p error naming the field otherwise.
    static bool fromJson(const QJsonObject &object, HistoryOperation *out, QString *error);

    /// ISO-8601 UTC with milliseconds, as written in "timestamp".
    static QString isoTime(qint64 timeMs);
};

} // namespace Optiverse::Collab
