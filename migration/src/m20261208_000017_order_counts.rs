//! The ERP's order tabs count from a table the sync keeps (orders per shop and status), not from a
//! scan of the shop's orders; and the buyer filter finds an email in any case through an index on
//! its lower-case form.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrderStatusCounts::Table)
                    .col(
                        ColumnDef::new(OrderStatusCounts::ShopId)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrderStatusCounts::Status)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrderStatusCounts::Orders)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(OrderStatusCounts::ShopId)
                            .col(OrderStatusCounts::Status),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The orders synced before this migration, counted once.
        db.execute_unprepared(
            "INSERT INTO order_status_counts (shop_id, status, orders) \
             SELECT shop_id, status, COUNT(*) FROM tiktok_orders GROUP BY shop_id, status",
        )
        .await?;
        // An index on an expression: the same statement on SQLite and PostgreSQL.
        db.execute_unprepared(
            "CREATE INDEX idx_tiktok_orders_shop_email ON tiktok_orders (shop_id, lower(buyer_email))",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_tiktok_orders_shop_email")
            .await?;
        manager
            .drop_table(Table::drop().table(OrderStatusCounts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OrderStatusCounts {
    Table,
    ShopId,
    Status,
    Orders,
}
