// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QJsonValue>

namespace Optiverse::Collab {

/**
 * How long-lived JSON values are kept without hidden costs.
 *
 * In Qt 6 a QJsonObject keeps every string ever written into it in one
 * buffer: replacing or removing a value leaves the old bytes behind until
 * the object is rebuilt, and copying the object (as detaching does) copies
 * that waste too. A string QJsonValue copied out of an object keeps the
 * object's whole buffer alive, earlier values included. A server that keeps
 * the values an edit replaced, edit after edit, then grows quadratically
 * (2,000 edits of a 1 KB text: 2 GB). Values kept beyond one message go
 * through detached(); objects that are written again and again track their
 * waste and are rebuilt when it exceeds what they hold (StateItem).
 */
class JsonStorage
{
public:
    /// A copy of @p value that shares no buffer with the object it was read
    /// from (strings are copied into a value of their own; numbers, booleans
    /// and null hold no buffer; arrays and objects are containers of their own).
    static QJsonValue detached(const QJsonValue &value);
    /// About how many bytes @p value occupies inside an object, for budgets.
    static qint64 footprint(const QJsonValue &value);
    /// The same for every key and value of @p object.
    static qint64 footprint(const QJsonObject &object);
    /// @p object rebuilt with its live keys and values only.
    static QJsonObject rebuilt(const QJsonObject &object);
};

} // namespace Optiverse::Collab
