// SPDX-License-Identifier: MIT
#pragma once

#include "HistoryOperation.h"

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace Optiverse::Collab {

/**
 * Names items the way people say them in the History panel: the item's own
 * "name", "label" or "text" property when it has one, otherwise its type and its
 * ordinal among the items of that type ("Lens 2"), in the order they
 * appeared in the session: first the items of the starting scene (by id,
 * an order fixed for the session), then each add in seq order. An ordinal
 * is never reused, so a name does not change when other items go.
 */
class ItemNamer
{
public:
    /// Starts over from @p base (the scene before the first operation noted).
    void reset(const HistoryScene &base);
    /// Notes the items @p operation adds (call in seq order).
    void note(const HistoryOperation &operation);
    /// The name of @p id, whose type is @p type and data (or last known data) @p data.
    QString name(const QString &id, const QString &type, const QJsonObject &data = {}) const;

    /// "beam_splitter" → "Beam splitter".
    static QString typeLabel(const QString &type);
    /// "focal_length_mm" → "focal length".
    static QString keyLabel(const QString &key);
    /// A value as shown, with the unit its key carries ("100 mm", "45°").
    static QString valueText(const QString &key, const QJsonValue &value);

private:
    int assign(const QString &id, const QString &type) const;

    // Mutable: an item first met by name() (not in what was noted) still gets
    // a stable ordinal for the rest of the session.
    mutable QHash<QString, int> m_ordinal;     // item id -> ordinal within its type
    mutable QHash<QString, int> m_lastOrdinal; // type -> highest ordinal given
};

} // namespace Optiverse::Collab
